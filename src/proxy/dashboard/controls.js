// ---- Controls ---------------------------------------------------------------

var k_token_storage_key = 'raftescort-admin-token';
var k_fault_seconds_default = 30;
var k_fault_seconds_max = 3600;
var k_answers_shown_max = 3;
var k_answer_chars_max = 300;
var k_slow_timing = { heartbeat_ms: 1000, election_timeout_ms: 6000 };
var adminToken = null;
var tokenQuestion = null;    // the open question for the token, so that two controls ask once
var slowMotionAsked = null;  // the last switch the proxy took, while no node reports its timing
var busyControls = {};       // control key -> true while its request is out

// ---- The admin token --------------------------------------------------------

function storeToken(token) {
    adminToken = token;
    try {
        if (token === null) {
            sessionStorage.removeItem(k_token_storage_key);
        } else {
            sessionStorage.setItem(k_token_storage_key, token);
        }
    } catch (error) {
        // Storage refused (a private window): the token lives as long as the page.
    }
    renderTokenState();
}

// The proxy prints the page's address with #token=…: take it, and take it
// out of the address bar (and so out of the history and of screenshots).
function takeTokenFromFragment() {
    try { adminToken = sessionStorage.getItem(k_token_storage_key); } catch (error) {
        adminToken = null;
    }
    var parts = location.hash.replace(/^#/, '').split('&');
    var kept = [];
    var token = null;
    parts.forEach(function (part) {
        if (part.indexOf('token=') === 0) {
            token = decodeURIComponent(part.slice('token='.length));
        } else if (part) {
            kept.push(part);
        }
    });
    if (token === null) { return; }
    storeToken(token || null);
    var address = location.pathname + location.search + (kept.length ? '#' + kept.join('&') : '');
    history.replaceState(history.state, '', address);
}

// Asks for the token in the page's dialog; resolves to it, or to null when
// the question is dismissed.
function askToken(reason) {
    if (tokenQuestion) { return tokenQuestion; }
    var dialog = byId('token-dialog');
    if (typeof dialog.showModal !== 'function') {
        var typed = window.prompt(reason + ' Admin token:');
        if (typed) { storeToken(typed.trim()); }
        return Promise.resolve(typed ? typed.trim() : null);
    }
    byId('token-reason').textContent = reason;
    byId('token-input').value = '';
    dialog.returnValue = '';
    tokenQuestion = new Promise(function (resolve) {
        function closed() {
            dialog.removeEventListener('close', closed);
            tokenQuestion = null;
            var typed = dialog.returnValue === 'use' ? byId('token-input').value.trim() : '';
            if (typed) { storeToken(typed); }
            resolve(typed || null);
        }
        dialog.addEventListener('close', closed);
    });
    dialog.showModal();
    return tokenQuestion;
}

function tokenFor(control) {
    if (!control.admin) { return Promise.resolve(null); }
    if (adminToken) { return Promise.resolve(adminToken); }
    return askToken('Changing the cluster needs the admin token, which the proxy prints ' +
                    'when it starts (with this page\'s address).');
}

function renderTokenState() {
    var element = byId('token-state');
    if (!element) { return; }
    element.textContent = adminToken ? 'admin token set · ' : 'no admin token yet · ';
    var change = html('a', '', adminToken ? 'forget' : 'enter');
    change.href = '#';
    change.addEventListener('click', function (event) {
        event.preventDefault();
        if (adminToken) { storeToken(null); } else { askToken('Enter the admin token.'); }
    });
    element.appendChild(change);
    root.setAttribute('data-token', adminToken ? 'set' : 'none');
}

// ---- Sending a control and showing the answer -------------------------------

function postJson(path, body, token) {
    var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    if (token) { headers.Authorization = 'Bearer ' + token; }
    return fetch(path, { method: 'POST', headers: headers, body: JSON.stringify(body),
                         cache: 'no-store' })
        .then(readAnswer)
        .catch(function (error) {
            return { ok: false, code: 0, data: null, message: String(error) };
        });
}

// The errors a node gave in a chaos answer ({nodes: [{id, error}]}).
function nodeErrors(data) {
    if (!isObject(data) || !Array.isArray(data.nodes)) { return ''; }
    var errors = [];
    data.nodes.forEach(function (node) {
        if (isObject(node) && typeof node.error === 'string') {
            errors.push(nodeLabel(numberOrNull(node.id)) + ': ' + node.error);
        }
    });
    return errors.join('; ');
}

function answerText(control, answer) {
    if (answer.code === 404 && control.path === '/timing') {
        return 'this proxy has no POST /timing: slow motion needs a raftescort with the ' +
            'timing command';
    }
    var text = answer.message;
    var data = answer.data;
    if (answer.ok && isObject(data) && numberOrNull(data.index) !== null) {
        text = 'committed at index ' + data.index + ' in term ' + show(data.term) +
            (text ? ' · ' + text : '');
    }
    var errors = nodeErrors(data);
    if (errors) { text = (text ? text + ' · ' : '') + errors; }
    if (!answer.ok) {
        var code = answer.code ? 'HTTP ' + answer.code : 'no answer from the proxy';
        text = code + (text ? ': ' + text : '');
    }
    text = text || 'OK';
    return text.length > k_answer_chars_max ? text.slice(0, k_answer_chars_max) + '…' : text;
}

function showAnswer(control, answer) {
    var list = byId('answers');
    var empty = list.querySelector('.empty');
    if (empty) { list.removeChild(empty); }
    var failed = !answer.ok || nodeErrors(answer.data) !== '';
    var line = html('div', 'answer ' + (failed ? 'error' : 'ok'));
    line.setAttribute('data-action', control.action);
    line.setAttribute('data-outcome', failed ? 'error' : 'ok');
    line.setAttribute('data-code', String(answer.code));
    line.setAttribute('data-seen', String(Date.now()));
    if (control.node !== undefined) { line.setAttribute('data-node-id', String(control.node)); }
    line.appendChild(html('span', 'time', clockText(Date.now())));
    line.appendChild(html('span', 'what', (failed ? '✗ ' : '✓ ') + control.label));
    line.appendChild(html('span', 'text', answerText(control, answer)));
    line.title = line.textContent;
    list.insertBefore(line, list.firstChild);
    while (list.children.length > k_answers_shown_max) { list.removeChild(list.lastChild); }
}

// Sends a control: { key, action, label, path, body, admin, node? }. A 401
// forgets the token, asks again and sends once more.
function runControl(control) {
    if (busyControls[control.key]) { return Promise.resolve(null); }
    busyControls[control.key] = true;
    renderControls();
    function send(token) {
        if (control.admin && token === null) {
            showAnswer(control, { ok: false, code: 0, data: null,
                                  message: 'not sent: no admin token given' });
            return null;
        }
        return postJson(control.path, control.body, token).then(function (answer) {
            showAnswer(control, answer);
            if (answer.code !== 401 || !control.admin) { return answer; }
            storeToken(null);
            if (control.retried) { return answer; }
            control.retried = true;
            return askToken('The proxy refused the admin token (' + answer.message + '). ' +
                            'Enter it again:').then(send);
        });
    }
    function done(answer) {
        delete busyControls[control.key];
        if (control.after && answer) { control.after(answer); }
        renderControls();
        return answer;
    }
    return tokenFor(control).then(send).then(done, function () { return done(null); });
}

// ---- What each control sends ------------------------------------------------

// The fault duration the page shows, in ms; null (after saying why) if unusable.
function faultDurationMs() {
    var seconds = Number(byId('fault-seconds').value);
    if (!isFinite(seconds) || seconds < 1 || seconds > k_fault_seconds_max) {
        showAnswer({ action: 'duration', label: 'fault duration' },
                   { ok: false, code: 0, data: null,
                     message: 'faults last 1 to ' + k_fault_seconds_max + ' s' });
        return null;
    }
    return Math.round(seconds * 1000);
}

function nodeControl(action, id) {
    var control = { key: action + ':' + id, action: action, node: id, admin: true,
                    path: '/chaos', label: action + ' ' + nodeLabel(id) };
    var body = { target: id, kind: action };
    if (action === 'heal') {
        control.path = '/chaos/heal';
        body = { target: id };
    } else if (action === 'cut') {
        if (state.leader === null || state.leader === id) { return null; }
        body = { target: id, kind: 'partition', peers: [state.leader], direction: 'both' };
        control.label = 'cut ' + nodeLabel(id) + ' from leader ' + nodeLabel(state.leader);
    }
    if (action !== 'heal' && action !== 'recover') {
        var duration_ms = faultDurationMs();
        if (duration_ms === null) { return null; }
        body.for_ms = duration_ms;
    }
    control.body = body;
    return control;
}

var k_node_actions = [
    ['crash', 'crash: stops the node as a power cut would, until it recovers'],
    ['pause', 'pause: the node stops ticking and handling messages, as under SIGSTOP'],
    ['isolate', 'isolate: every message to and from the node is dropped'],
    ['cut', 'cut from the leader: messages between the node and the current leader are dropped'],
    ['heal', 'heal: clear every fault on the node']
];

function createNodeActions(cell, id) {
    k_node_actions.forEach(function (item) {
        var button = html('button', 'small', item[0]);
        button.type = 'button';
        button.title = item[1];
        button.setAttribute('data-action', item[0]);
        button.setAttribute('data-node-id', String(id));
        cell.appendChild(button);
    });
}

function updateNodeActions(cell, node) {
    var buttons = cell.querySelectorAll('button');
    for (var i = 0; i < buttons.length; i++) {
        var button = buttons[i];
        var action = button.getAttribute('data-action');
        if (action === 'crash' || action === 'recover') {
            action = isCrashed(node) ? 'recover' : 'crash';
            button.setAttribute('data-action', action);
            button.textContent = action;
            button.title = action === 'recover' ? 'recover: start the crashed node again' :
                k_node_actions[0][1];
        }
        var refused = '';
        if (action === 'cut' && state.leader === null) { refused = 'there is no leader'; }
        if (action === 'cut' && state.leader === node.id) { refused = 'this is the leader'; }
        if (action === 'heal' && node.faults.length === 0) { refused = 'no fault in force'; }
        button.disabled = refused !== '' || busyControls[action + ':' + node.id] === true;
        button.classList.toggle('active', faultOf(node, action) !== null);
        button.setAttribute('aria-label', action + ' ' + nodeLabel(node.id) +
                            (refused ? ' (' + refused + ')' : ''));
    }
}

function integerInput(id) {
    var value = Number(byId(id).value);
    return byId(id).value.trim() !== '' && Math.floor(value) === value ? value : null;
}

function missionTargetControl() {
    var x = integerInput('target-x');
    var y = integerInput('target-y');
    var control = { key: 'mission', action: 'mission-target', admin: true, path: '/mission',
                    label: 'mission target', after: refreshMission };
    if (x === null || y === null) {
        showAnswer(control, { ok: false, code: 0, data: null,
                              message: 'not sent: the target needs whole numbers x and y' });
        return null;
    }
    control.label = 'mission target ' + pointText([x, y]);
    control.body = { action: 'set', x: x, y: y };
    return control;
}

// The timing the nodes report (the leader's first), or null if none does.
function clusterTiming() {
    var leader = state.leader === null ? null : nodeById(state.leader);
    if (leader && leader.timing) { return leader.timing; }
    for (var i = 0; i < state.nodes.length; i++) {
        if (state.nodes[i].timing) { return state.nodes[i].timing; }
    }
    return null;
}

function slowMotionOn() {
    var timing = clusterTiming();
    if (timing && timing.heartbeat !== null) {
        return timing.heartbeat >= k_slow_timing.heartbeat_ms;
    }
    return slowMotionAsked === true;
}

function slowMotionControl(on) {
    return { key: 'timing', action: on ? 'slow-motion-on' : 'slow-motion-off', admin: true,
             path: '/timing', label: 'slow motion ' + (on ? 'on' : 'off'),
             body: on ? k_slow_timing : { reset: true },
             after: function (answer) { if (answer.ok) { slowMotionAsked = on; } } };
}

function clickedControl(button) {
    var action = button.getAttribute('data-action');
    var node = numberOrNull(button.getAttribute('data-node-id'));
    if (node !== null) { return nodeControl(action, node); }
    if (action === 'move') {
        var delta = button.getAttribute('data-move').split(',').map(Number);
        return { key: 'move', action: 'move', admin: false, path: '/nodes/move',
                 label: 'move ' + pointText(delta), body: { x: delta[0], y: delta[1] } };
    }
    if (action === 'mission-start' || action === 'mission-pause') {
        var verb = action.slice('mission-'.length);
        return { key: 'mission', action: action, admin: true, path: '/mission',
                 label: 'mission ' + verb, body: { action: verb }, after: refreshMission };
    }
    if (action === 'mission-target') { return missionTargetControl(); }
    if (action === 'heal-all') {
        return { key: 'heal-all', action: action, admin: true, path: '/chaos/heal',
                 label: 'heal all', body: {} };
    }
    return null;
}

function setUpControls() {
    byId('fault-seconds').value = String(k_fault_seconds_default);
    // One listener for every button, those of table rows made later included.
    document.body.addEventListener('click', function (event) {
        var button = event.target.closest ? event.target.closest('button[data-action]') : null;
        if (!button || button.disabled) { return; }
        var control = clickedControl(button);
        if (control) { runControl(control); }
    });
    byId('slow-motion').addEventListener('change', function (event) {
        var wanted = event.target.checked;
        event.target.checked = !wanted;   // until the proxy has taken it
        runControl(slowMotionControl(wanted));
    });
    renderTokenState();
    setInterval(tickFaultClocks, k_fault_clock_ms);
}

function renderControls() {
    var timing = clusterTiming();
    var slow = byId('slow-motion');
    slow.checked = slowMotionOn();
    slow.disabled = busyControls.timing === true;
    byId('timing-note').textContent = timing ?
        'heartbeat ' + show(timing.heartbeat) + ' ms · election timeout ' +
        show(timing.election) + ' ms' : '';
    var global = document.querySelectorAll('#controls-card button[data-action]');
    for (var i = 0; i < global.length; i++) {
        var action = global[i].getAttribute('data-action');
        var key = action.indexOf('mission') === 0 ? 'mission' : action;
        global[i].disabled = busyControls[key] === true;
    }
    state.nodes.forEach(function (node) {
        if (tableRows[node.id]) { updateNodeActions(tableRows[node.id].cells.actions, node); }
    });
    var fault_seconds = Number(byId('fault-seconds').value);
    byId('fault-note').textContent = isFinite(fault_seconds) && fault_seconds > 0 ?
        'each fault heals itself after ' + durationText(fault_seconds * 1000) : '';
}

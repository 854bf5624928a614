// ---- Helpers ----------------------------------------------------------------

var root = document.documentElement;
var k_poll_interval_ms = 2000;       // /status (Redis, cluster); /nodes too while events are down
var k_history_interval_ms = 10000;   // /elections and /leaders, besides the refresh on records
var k_reconnect_ms = 2000;           // after the event stream was closed for good
var k_records_max = 400;             // the event log's memory
var k_role_records_max = 3000;       // role changes and campaigns, for the timeline's gaps
var k_leader_losses_max = 100;
var k_record_times_max = 100;        // per node, to find when a lost leader was last heard of

function byId(id) { return document.getElementById(id); }

function html(tag, className, text) {
    var element = document.createElement(tag);
    if (className) { element.className = className; }
    if (text !== undefined && text !== null) { element.textContent = String(text); }
    return element;
}

function numberOrNull(value) {
    if (typeof value === 'number' && isFinite(value)) { return value; }
    if (typeof value === 'string' && value.trim() !== '' && isFinite(Number(value))) {
        return Number(value);
    }
    return null;
}

function pointOrNull(value) {
    if (!Array.isArray(value) || value.length < 2) { return null; }
    var x = numberOrNull(value[0]);
    var y = numberOrNull(value[1]);
    return x === null || y === null ? null : [x, y];
}

function isObject(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value);
}
function show(value) {
    return value === null || value === undefined || value === '' ? '—' : String(value);
}
function pointText(point) { return point ? '[' + point[0] + ', ' + point[1] + ']' : '—'; }
function nodeLabel(id) { return id === null || id === undefined ? '—' : 'n' + id; }
function pad(number, width) {
    var text = String(number);
    while (text.length < width) { text = '0' + text; }
    return text;
}

function clockText(ms) {
    if (ms === null || ms === undefined) { return '—'; }
    var date = new Date(ms);
    return pad(date.getHours(), 2) + ':' + pad(date.getMinutes(), 2) + ':' +
        pad(date.getSeconds(), 2) +
        '.' + pad(date.getMilliseconds(), 3);
}

function durationText(ms) {
    if (ms === null || ms === undefined) { return '—'; }
    if (ms < 1000) { return Math.round(ms) + ' ms'; }
    if (ms < 60000) { return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s'; }
    return Math.round(ms / 60000) + ' min';
}

function parseJson(text) {
    try { return JSON.parse(text); } catch (error) { return undefined; }
}

// Calls `action` at most once per interval, and always once after the last
// request, so a burst of records costs one fetch, never a stale view.
function throttle(action, interval_ms) {
    var last_ms = 0;
    var timer = null;
    return function () {
        if (timer !== null) { return; }
        var wait_ms = Math.max(0, last_ms + interval_ms - Date.now());
        timer = setTimeout(function () {
            timer = null;
            last_ms = Date.now();
            action();
        }, wait_ms);
    };
}

// A proxy answer as { ok, code, data, message }: `data` is the envelope's
// data (or the whole body if it is not an envelope).
function readAnswer(response) {
    return response.text().then(function (text) {
        var body = parseJson(text);
        var data = body === undefined ? null : body;
        if (isObject(body) && 'data' in body) { data = body.data; }
        var message = '';
        if (isObject(body) && typeof body.message === 'string') { message = body.message; }
        return { ok: response.ok, code: response.status, data: data, message: message };
    });
}

// GET a proxy endpoint; never throws; `code` is 0 when nothing answered.
function getJson(path) {
    return fetch(path, { headers: { 'Accept': 'application/json' }, cache: 'no-store' })
        .then(readAnswer)
        .catch(function (error) {
            return { ok: false, code: 0, data: null, message: String(error) };
        });
}

// ---- State ------------------------------------------------------------------

var state = {
    cluster: null,
    redisConnected: null,     // true, false, or null while unknown
    proxyReachable: true,
    connection: 'connecting', // the event stream: connecting, live, reconnecting
    leader: null,             // the leader's id, null while there is none
    leaderName: null,
    leaderSeen: false,        // a first status has set the leader
    term: null,
    statusEvents: 0,
    nodes: [],                // normalized, sorted by id
    lastPositions: {},        // id -> [x, y]: the last position each node reported
    mission: null,            // { target, running, steps, lead }
    elections: null,          // /elections data, keyed by term
    leaders: null,            // /leaders data, keyed by term
    historyError: null,       // why /elections could not be read
    records: [],              // the newest records, for the event log
    recordIds: {},
    roleRecords: [],          // role changes and campaigns, kept longer
    leaderLosses: [],         // { leader, at_ms, how, closed }: when this page saw a leader go
    recordTimes: {}           // node id -> timestamps of its latest records (any kind)
};

function normalizeNode(raw) {
    if (!isObject(raw)) { return null; }
    var id = numberOrNull(raw.id);
    if (id === null) { return null; }
    var role = 'unknown';
    if (typeof raw.role === 'string' && raw.role) {
        role = raw.role.toLowerCase().replace('-', '_');
    }
    var name = null;
    if (typeof raw.name === 'string') { name = raw.name; }
    else if (typeof raw._name === 'string') { name = raw._name; }
    var age = normalizeAge(raw, Date.now());
    return {
        id: id,
        name: name,
        role: role,
        term: numberOrNull(raw.term),
        position: pointOrNull(raw.position),
        formationPosition: pointOrNull(raw.formation_position),
        commit: numberOrNull(raw.commit_index),
        applied: numberOrNull(raw.applied_index),
        lag: numberOrNull(raw.lag),
        lastContact: numberOrNull(raw.last_contact_ms),
        faults: normalizeFaults(raw.faults, Date.now()),
        timing: normalizeTiming(raw.timing),
        dataStale: age.dataStale,
        heardAtMs: age.heardAtMs
    };
}

function nodeById(id) {
    for (var i = 0; i < state.nodes.length; i++) {
        if (state.nodes[i].id === id) { return state.nodes[i]; }
    }
    return null;
}

// A status event's data is the /nodes list plus leader and term; accept the
// bare list too, and a leader given as an object.
function nodesOf(payload) {
    if (Array.isArray(payload)) { return payload; }
    if (isObject(payload) && Array.isArray(payload.nodes)) { return payload.nodes; }
    if (isObject(payload) && Array.isArray(payload.data)) { return payload.data; }
    return null;
}

function leaderOf(info, nodes) {
    if ('leader' in info && info.leader !== undefined) {
        var value = isObject(info.leader) ? info.leader.id : info.leader;
        var id = numberOrNull(value);
        return id !== null && id > 0 ? id : null;
    }
    var best = null;
    nodes.forEach(function (node) {
        if (node.role === 'leader' && (best === null || (node.term || 0) > (best.term || 0))) {
            best = node;
        }
    });
    return best ? best.id : null;
}

// Notes when this page first saw leader `id` go (its node unreachable, or
// another leader or none reported), for the election timeline's gap. One
// open note per leader until a leader is reported again.
function noteLeaderLoss(id, how) {
    var last = state.leaderLosses[state.leaderLosses.length - 1];
    if (last && last.leader === id && !last.closed) { return; }
    state.leaderLosses.push({ leader: id, at_ms: Date.now(), how: how, closed: false });
    if (state.leaderLosses.length > k_leader_losses_max) { state.leaderLosses.shift(); }
}

function setLeader(id, name) {
    var previous = state.leader;
    if (state.leaderSeen && previous !== id) {
        root.setAttribute('data-leader-changed-at', String(Date.now()));
        if (previous !== null) { noteLeaderLoss(previous, 'no longer reported as leader'); }
        scheduleHistoryRefresh();
    }
    if (id !== null) {
        state.leaderLosses.forEach(function (loss) { loss.closed = true; });
    }
    state.leaderSeen = true;
    state.leader = id;
    var node = id === null ? null : nodeById(id);
    state.leaderName = id === null ? null : (name || (node && node.name) || null);
    root.setAttribute('data-leader', id === null ? '' : String(id));
}

function applyStatus(payload) {
    var list = nodesOf(payload);
    var info = isObject(payload) ? payload : {};
    if (list) {
        var nodes = [];
        list.forEach(function (raw) {
            var node = normalizeNode(raw);
            if (node) { nodes.push(node); }
        });
        nodes.sort(function (a, b) { return a.id - b.id; });
        nodes.forEach(function (node) {
            var place = node.formationPosition || node.position;
            if (place) { state.lastPositions[node.id] = place; }
        });
        state.nodes = nodes;
    }
    var leaderNode = state.leader === null ? null : nodeById(state.leader);
    if (leaderNode && leaderNode.role === 'unreachable') {
        noteLeaderLoss(state.leader, 'unreachable');
    }
    var leaderName = typeof info.leader_name === 'string' ? info.leader_name : null;
    setLeader(leaderOf(info, state.nodes), leaderName);
    var term = numberOrNull(info.term);
    if (term === null) {
        state.nodes.forEach(function (node) {
            if (node.term !== null && (term === null || node.term > term)) { term = node.term; }
        });
    }
    if (term !== null) { state.term = term; }
    applyClusterInfo(info);
    if (isObject(info.mission)) { applyMission(info.mission); }
    renderAll();
}

// The fields of GET /status (and of a status event, if it carries them).
function applyClusterInfo(info) {
    if (typeof info.cluster === 'string' && info.cluster) { state.cluster = info.cluster; }
    if (typeof info.redis_connected === 'boolean') { state.redisConnected = info.redis_connected; }
}

function applyMission(raw) {
    var previous = state.mission || {};
    state.mission = {
        target: pointOrNull(raw.target) || previous.target || null,
        running: typeof raw.running === 'boolean' ? raw.running : null,
        steps: numberOrNull(raw.steps_taken),
        lead: pointOrNull(raw.lead) || previous.lead || null
    };
}

function normalizeRecord(raw) {
    if (!isObject(raw)) { return null; }
    var id = raw.id === undefined || raw.id === null ? null : String(raw.id);
    var timestamp = numberOrNull(raw.timestamp);
    if (timestamp === null) { timestamp = numberOrNull(raw.timestamp_ms); }
    return {
        id: id,
        kind: typeof raw.kind === 'string' ? raw.kind : 'event',
        node: numberOrNull(raw.node),
        term: numberOrNull(raw.term),
        index: numberOrNull(raw.index),
        detail: typeof raw.detail === 'string' ? raw.detail : '',
        timestamp: timestamp
    };
}

function addRecord(raw) {
    var record = normalizeRecord(raw);
    if (!record) { return; }
    if (record.id !== null) {
        if (state.recordIds[record.id]) { return; }
        state.recordIds[record.id] = true;
    }
    state.records.push(record);
    if (state.records.length > k_records_max) {
        var dropped = state.records.shift();
        if (dropped.id !== null) { delete state.recordIds[dropped.id]; }
    }
    if (record.node !== null && record.timestamp !== null) {
        var times = state.recordTimes[record.node] || (state.recordTimes[record.node] = []);
        times.push(record.timestamp);
        if (times.length > k_record_times_max) { times.shift(); }
    }
    if (record.kind === 'election' || record.kind === 'role_change') {
        state.roleRecords.push(record);
        if (state.roleRecords.length > k_role_records_max) { state.roleRecords.shift(); }
        scheduleHistoryRefresh();
        queueTimelineRender();
    }
    if (record.kind === 'applied_move' || record.kind === 'membership') { refreshMission(); }
    queueLogRender();
}

// ---- Loading and following --------------------------------------------------

var refreshMission = throttle(function () {
    getJson('/mission').then(function (answer) {
        if (answer.ok && isObject(answer.data)) {
            applyMission(answer.data);
            renderHeader();
            renderMap();
        }
    });
}, 400);

function refreshHistory() {
    Promise.all([getJson('/elections'), getJson('/leaders')]).then(function (answers) {
        var elections = answers[0];
        var leaders = answers[1];
        if (elections.ok && isObject(elections.data)) {
            state.elections = elections.data;
            state.historyError = null;
        } else if (elections.code === 404) {
            state.elections = {};
            state.historyError = null;
        } else if (elections.code === 503) {
            state.historyError = 'Redis unreachable: election records cannot be read' +
                (elections.message ? ' (' + elections.message + ')' : '');
            state.redisConnected = false;
        } else {
            state.historyError = 'Elections unavailable (' +
                (elections.code ? 'HTTP ' + elections.code : 'proxy unreachable') + ')';
        }
        if (leaders.ok && isObject(leaders.data)) {
            state.leaders = leaders.data;
        } else if (leaders.code === 404) {
            state.leaders = {};
        }
        renderTimeline();
        renderHeader();
    });
}

var scheduleHistoryRefresh = throttle(refreshHistory, 500);

// The first view: /status and /nodes together, unless a status event got here first.
function loadInitial() {
    Promise.all([getJson('/status'), getJson('/nodes')]).then(function (answers) {
        var status = answers[0];
        var nodes = answers[1];
        var info = status.ok && isObject(status.data) ? status.data : {};
        applyClusterInfo(info);
        state.proxyReachable = status.code !== 0 || nodes.code !== 0;
        if (state.statusEvents === 0 && nodes.ok && Array.isArray(nodes.data)) {
            var payload = { nodes: nodes.data, term: info.term, leader_name: info.leader_name };
            if ('leader' in info) { payload.leader = info.leader; }
            applyStatus(payload);
        } else {
            renderHeader();
        }
    });
    refreshMission();
    refreshHistory();
}

// A slow heartbeat besides the event stream: Redis and cluster from /status,
// and the nodes themselves while the stream is down.
function poll() {
    getJson('/status').then(function (status) {
        state.proxyReachable = status.code !== 0;
        if (status.ok && isObject(status.data)) { applyClusterInfo(status.data); }
        if (state.connection !== 'live' && status.ok && isObject(status.data)) {
            getJson('/nodes').then(function (nodes) {
                if (state.connection !== 'live' && nodes.ok && Array.isArray(nodes.data)) {
                    var payload = { nodes: nodes.data, term: status.data.term,
                                    leader_name: status.data.leader_name };
                    if ('leader' in status.data) { payload.leader = status.data.leader; }
                    applyStatus(payload);
                }
            });
            refreshMission();
        }
        if (state.historyError !== null) { scheduleHistoryRefresh(); }
        renderHeader();
    });
}

var k_reconnecting_shown_after_ms = 1500;
var reconnectingTimer = null;

// A stream that drops and comes back at once (a proxy restart, the browser
// stopping the page's loads) is not worth a flash of "reconnecting".
function setConnection(connection) {
    if (connection === 'reconnecting' && state.connection === 'live') {
        if (reconnectingTimer === null) {
            reconnectingTimer = setTimeout(function () {
                reconnectingTimer = null;
                state.connection = 'reconnecting';
                renderHeader();
            }, k_reconnecting_shown_after_ms);
        }
        return;
    }
    if (reconnectingTimer !== null) {
        clearTimeout(reconnectingTimer);
        reconnectingTimer = null;
    }
    if (state.connection === connection) { return; }
    state.connection = connection;
    renderHeader();
}

function connectEvents() {
    if (typeof EventSource === 'undefined') {
        setConnection('polling');
        return;
    }
    var source = new EventSource('/events');
    source.onopen = function () {
        setConnection('live');
        refreshLesson();
    };
    source.onerror = function () {
        setConnection('reconnecting');
        // EventSource retries by itself after a dropped connection, but gives
        // up after an HTTP error answer: then start over after a pause.
        if (source.readyState === EventSource.CLOSED) { setTimeout(connectEvents, k_reconnect_ms); }
    };
    source.addEventListener('status', function (event) {
        var payload = parseJson(event.data);
        if (payload === undefined || payload === null) { return; }
        state.statusEvents += 1;
        setConnection('live');
        applyStatus(payload);
        refreshMission();
    });
    source.addEventListener('record', function (event) {
        var payload = parseJson(event.data);
        if (Array.isArray(payload)) { payload.forEach(addRecord); } else { addRecord(payload); }
    });
    source.addEventListener('trace', function (event) { showTrace(parseJson(event.data)); });
    source.addEventListener('lesson', function (event) { onLessonEvent(parseJson(event.data)); });
}

// See the #hold-load test hook in dashboard_page.cpp.
function holdLoadIfAsked() {
    if (location.hash.indexOf('hold-load') < 0) { return; }
    var link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = '/events';
    document.head.appendChild(link);
}

function renderAll() {
    renderHeader();
    renderMap();
    renderTable();
    renderControls();
}

// ---- The header -------------------------------------------------------------

function missionSummary() {
    var mission = state.mission;
    if (!mission) { return { text: 'unknown', fraction: 0 }; }
    var remaining = null;
    if (mission.lead && mission.target) {
        remaining = Math.abs(mission.target[0] - mission.lead[0]) +
            Math.abs(mission.target[1] - mission.lead[1]);
    }
    var status = remaining === 0 ? 'complete' : mission.running === true ? 'running' :
        mission.running === false ? 'paused' : 'status unknown';
    var text = show(mission.steps) + ' steps';
    if (remaining !== null) { text += ' · ' + remaining + ' to go'; }
    text += ' · target ' + pointText(mission.target) + ' · lead ' + pointText(mission.lead);
    text += ' · ' + status;
    var fraction = 0;
    if (remaining === 0) {
        fraction = 1;
    } else if (mission.steps !== null && remaining !== null && mission.steps + remaining > 0) {
        fraction = mission.steps / (mission.steps + remaining);
    }
    return { text: text, fraction: fraction };
}

function setDot(element, text, quality) {
    element.textContent = '';
    element.appendChild(html('span', 'dot ' + quality));
    element.appendChild(document.createTextNode(text));
}

function renderHeader() {
    byId('cluster').textContent = state.cluster ? ' ' + state.cluster : '';
    if (state.cluster) { document.title = 'raftescort · ' + state.cluster; }
    var leader = byId('leader');
    if (state.leader === null) {
        setDot(leader, state.leaderSeen ? 'no leader' : '…', 'bad');
    } else {
        var address = state.leaderName ? ' · ' + state.leaderName : '';
        setDot(leader, nodeLabel(state.leader) + address, 'good');
    }
    byId('term').textContent = show(state.term);
    root.setAttribute('data-term', state.term === null ? '' : String(state.term));
    var redis = byId('redis');
    if (state.redisConnected === true) { setDot(redis, 'connected', 'good'); }
    else if (state.redisConnected === false) { setDot(redis, 'unreachable', 'bad'); }
    else { setDot(redis, 'unknown', ''); }
    var summary = missionSummary();
    byId('mission').textContent = summary.text;
    var percent = Math.max(0, Math.min(1, summary.fraction)) * 100;
    byId('mission-bar').style.width = percent.toFixed(1) + '%';
    var connection = byId('connection');
    if (!state.proxyReachable) { setDot(connection, 'proxy unreachable', 'bad'); }
    else if (state.connection === 'live') { setDot(connection, 'live', 'good'); }
    else if (state.connection === 'polling') { setDot(connection, 'polling', 'wait'); }
    else { setDot(connection, state.connection, 'wait'); }
}

function start() {
    takeTokenFromFragment();
    holdLoadIfAsked();
    setUpLog();
    window.addEventListener('resize', renderMap);
    setUpControls();
    setUpLogView();
    setUpLesson();
    renderAll();
    connectEvents();
    loadInitial();
    setInterval(poll, k_poll_interval_ms);
    setInterval(scheduleHistoryRefresh, k_history_interval_ms);
    setInterval(tickAges, k_age_tick_ms);
}

// ---- The Raft log view -------------------------------------------------------

var k_log_view_interval_ms = 500;
var k_log_view_columns = 32;
var k_replaced_shown_ms = 30000;     // how long a lost entry stays drawn over its index

var logView = {
    open: false,
    busy: false,
    timer: null,
    leader: null,
    windows: [],
    // By node id: the (index -> term) each node held at the last fetch, and
    // the entries seen lost since: index -> { term, by, how, at_ms }.
    previous: {},
    lost: {},
    error: ''
};

function termColour(term) {
    // Neighbouring terms get far-apart hues, so a change of term stands out.
    return 'hsl(' + ((term * 137) % 360) + ', 58%, 50%)';
}

var k_kind_letters = {
    step: 's', move: 'm', mission: 'M', timing: 't', take_lead: 'L',
    add_learner: '+', promote_voter: '^', remove_node: '-'
};
function kindLetter(kind) {
    return typeof kind === 'string' && k_kind_letters[kind] ? k_kind_letters[kind] : '?';
}

function normalizeWindow(raw) {
    if (!isObject(raw)) { return null; }
    var window_ = {
        id: numberOrNull(raw.id),
        name: typeof raw.name === 'string' ? raw.name : '',
        role: typeof raw.role === 'string' ? raw.role : '',
        error: typeof raw.error === 'string' ? raw.error : '',
        term: numberOrNull(raw.term),
        first: numberOrNull(raw.first_index),
        last: numberOrNull(raw.last_index),
        commit: numberOrNull(raw.commit_index),
        applied: numberOrNull(raw.applied_index),
        snapshot: numberOrNull(raw.snapshot_index),
        entries: [],
        overwritten: []
    };
    if (window_.id === null) { return null; }
    (Array.isArray(raw.entries) ? raw.entries : []).forEach(function (entry) {
        if (!isObject(entry)) { return; }
        var index = numberOrNull(entry.index);
        var term = numberOrNull(entry.term);
        if (index === null || term === null) { return; }
        window_.entries.push({
            index: index, term: term, kind: entry.kind,
            command: typeof entry.command === 'string' ? entry.command : ''
        });
    });
    (Array.isArray(raw.overwritten) ? raw.overwritten : []).forEach(function (lost) {
        if (!isObject(lost)) { return; }
        var index = numberOrNull(lost.index);
        var term = numberOrNull(lost.term);
        if (index === null || term === null) { return; }
        window_.overwritten.push({
            index: index, term: term, by: numberOrNull(lost.replaced_by_term),
            how: lost.how === 'truncated' ? 'truncated' : 'replaced', at_ms: numberOrNull(lost.at_ms)
        });
    });
    return window_;
}

// Entries lost since the last look, from the node's own record and from a
// term that changed at an index between two fetches (the record covers a
// node's uncommitted tail; the comparison catches the rest of the window).
function noteLostEntries(window_) {
    var lost = logView.lost[window_.id] || {};
    var now = Date.now();
    window_.overwritten.forEach(function (record) {
        var at = record.at_ms === null ? now : record.at_ms;
        if (now - at < k_replaced_shown_ms && !lost[record.index]) {
            lost[record.index] = { term: record.term, by: record.by, how: record.how, at_ms: at };
        }
    });
    var before = logView.previous[window_.id] || {};
    var held = {};
    window_.entries.forEach(function (entry) {
        held[entry.index] = entry.term;
        var old = before[entry.index];
        if (old !== undefined && old !== entry.term && !lost[entry.index]) {
            lost[entry.index] = { term: old, by: entry.term, how: 'replaced', at_ms: now };
        }
    });
    Object.keys(lost).forEach(function (index) {
        if (now - lost[index].at_ms >= k_replaced_shown_ms) { delete lost[index]; }
    });
    logView.previous[window_.id] = held;
    logView.lost[window_.id] = lost;
}

function refreshLogView() {
    if (!logView.open || logView.busy) { return; }
    logView.busy = true;
    getJson('/raft/log?limit=' + k_log_view_columns).then(function (answer) {
        logView.busy = false;
        if (!answer.ok || !isObject(answer.data)) {
            logView.error = answer.message || 'the proxy did not answer';
            renderLogView();
            return;
        }
        logView.error = '';
        logView.leader = numberOrNull(answer.data.leader);
        logView.windows = (Array.isArray(answer.data.nodes) ? answer.data.nodes : [])
            .map(normalizeWindow).filter(function (window_) { return window_ !== null; });
        logView.windows.forEach(noteLostEntries);
        renderLogView();
    });
}

function setLogViewOpen(open) {
    logView.open = open;
    byId('raftlog-card').hidden = !open;
    byId('raftlog-toggle').classList.toggle('active', open);
    root.setAttribute('data-raftlog', open ? 'open' : 'closed');
    if (logView.timer !== null) { clearInterval(logView.timer); logView.timer = null; }
    if (open) {
        refreshLogView();
        logView.timer = setInterval(refreshLogView, k_log_view_interval_ms);
    }
    // The view takes room from the cards above it; they redraw as on a resize.
    window.dispatchEvent(new Event('resize'));
}

function logViewRange() {
    var high = 0;
    logView.windows.forEach(function (window_) {
        if (window_.last !== null) { high = Math.max(high, window_.last); }
    });
    return { low: Math.max(1, high - k_log_view_columns + 1), high: high };
}

function entryState(window_, index) {
    if (window_.applied !== null && index <= window_.applied) { return 'applied'; }
    if (window_.commit !== null && index <= window_.commit) { return 'committed'; }
    return 'uncommitted';
}

function entryCell(window_, entry, lost) {
    var state_ = entryState(window_, entry.index);
    var cell = html('td', 'entry ' + state_);
    cell.style.background = termColour(entry.term);
    cell.setAttribute('data-node-id', window_.id);
    cell.setAttribute('data-index', entry.index);
    cell.setAttribute('data-term', entry.term);
    cell.setAttribute('data-state', state_);
    cell.appendChild(html('span', 'raft-term', entry.term));
    cell.appendChild(html('span', 'raft-kind', kindLetter(entry.kind)));
    var title = 'index ' + entry.index + ', term ' + entry.term + ': ' + entry.command +
        ' (' + state_ + ')';
    if (lost) {
        cell.classList.add('replaced');
        cell.setAttribute('data-replaced', lost.term);
        cell.appendChild(html('span', 'raft-was', lost.term));
        title += '; replaced an uncommitted entry of term ' + lost.term + ' at ' +
            clockText(lost.at_ms);
    }
    if (window_.commit === entry.index) { cell.classList.add('commit-point'); }
    cell.title = title;
    return cell;
}

// A cell for an index the node no longer holds but did until lately.
function lostCell(window_, index, lost) {
    var cell = html('td', 'entry lost');
    cell.setAttribute('data-node-id', window_.id);
    cell.setAttribute('data-index', index);
    cell.setAttribute('data-replaced', lost.term);
    cell.appendChild(html('span', 'raft-was', lost.term));
    cell.title = 'index ' + index + ': an uncommitted entry of term ' + lost.term +
        ' was cut off at ' + clockText(lost.at_ms);
    return cell;
}

function logViewRow(window_, range) {
    var row = html('tr');
    row.setAttribute('data-node-id', window_.id);
    var label = html('th', 'who');
    label.appendChild(html('span', 'name', nodeLabel(window_.id)));
    label.appendChild(html('span', 'role ' + window_.role, window_.error ? 'unreadable' :
        window_.role));
    row.appendChild(label);
    var byIndex = {};
    window_.entries.forEach(function (entry) { byIndex[entry.index] = entry; });
    var lost = logView.lost[window_.id] || {};
    for (var index = range.low; index <= range.high; ++index) {
        var entry = byIndex[index];
        if (entry) {
            row.appendChild(entryCell(window_, entry, lost[index]));
        } else if (lost[index]) {
            row.appendChild(lostCell(window_, index, lost[index]));
        } else if (window_.snapshot !== null && index <= window_.snapshot) {
            row.appendChild(html('td', 'entry compacted', '·'));
        } else {
            row.appendChild(html('td', 'entry none'));
        }
    }
    var note = html('td', 'where');
    if (window_.error) {
        note.textContent = window_.error;
    } else {
        note.textContent = 'commit ' + show(window_.commit) + ' · applied ' +
            show(window_.applied) + (window_.last !== null && window_.last < range.low ?
                ' · last ' + window_.last + ' (behind)' : '');
    }
    row.appendChild(note);
    return row;
}

function renderLogView() {
    if (!logView.open) { return; }
    var container = byId('raftlog');
    var note = byId('raftlog-note');
    if (logView.error) { note.textContent = logView.error; }
    if (logView.windows.length === 0) {
        if (!container.firstChild) { container.appendChild(html('div', 'empty', 'Loading…')); }
        return;
    }
    var range = logViewRange();
    var table = html('table', 'raftlog');
    var head = html('tr');
    head.appendChild(html('th', 'who', 'index'));
    for (var index = range.low; index <= range.high; ++index) {
        head.appendChild(html('th', 'index', index % 5 === 0 ? index : ''));
    }
    head.appendChild(html('th'));
    table.appendChild(head);
    logView.windows.forEach(function (window_) { table.appendChild(logViewRow(window_, range)); });
    container.textContent = '';
    container.appendChild(table);
    if (!logView.error) {
        note.textContent = 'entries ' + range.low + '–' + range.high + ', each node as it holds them';
    }
}

function setUpLogView() {
    byId('raftlog-toggle').addEventListener('click', function () {
        setLogViewOpen(!logView.open);
    });
    if (/(^|[#&])logs($|&)/.test(location.hash.slice(1))) { setLogViewOpen(true); }
}

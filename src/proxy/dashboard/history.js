// ---- The election timeline --------------------------------------------------

var k_terms_shown_max = 40;
var k_log_rows_max = 200;
var k_campaign_lookback_ms = 60000;   // for the first leader, whose predecessor is unknown
var timelineQueued = false;
var logQueued = false;

function queueTimelineRender() {
    if (timelineQueued) { return; }
    timelineQueued = true;
    setTimeout(function () { timelineQueued = false; renderTimeline(); }, 150);
}

function queueLogRender() {
    if (logQueued) { return; }
    logQueued = true;
    setTimeout(function () { logQueued = false; renderLog(); }, 150);
}

function isElectedRecord(record) {
    return record.kind === 'role_change' && /-> *leader$/.test(record.detail);
}
function isSteppedDownRecord(record) {
    return record.kind === 'role_change' && /^leader *->/.test(record.detail);
}
function isCampaignRecord(record) {
    return record.kind === 'election' ||
        (record.kind === 'role_change' && /-> *(pre[-_ ]?)?candidate$/.test(record.detail));
}

// The leader of `term`: from /leaders, else from a "-> leader" record.
function leaderOfTerm(term) {
    var recorded = state.leaders && state.leaders[String(term)];
    if (isObject(recorded)) {
        var votes = numberOrNull(recorded.votes);
        var voters = numberOrNull(recorded.voters);
        return {
            id: numberOrNull(recorded.id),
            name: recorded.name || recorded._name || null,
            votes: votes !== null ? votes : numberOrNull(recorded.no_of_votes),
            voters: voters !== null ? voters : numberOrNull(recorded.no_of_voters),
            // Not `timestamp`: that is the original's, in float seconds.
            elected_ms: numberOrNull(recorded.timestamp_ms)
        };
    }
    for (var i = 0; i < state.roleRecords.length; i++) {
        var record = state.roleRecords[i];
        if (record.term === term && isElectedRecord(record)) {
            return { id: record.node, name: null, votes: null, voters: null,
                     elected_ms: record.timestamp };
        }
    }
    return null;
}

function knownTerms() {
    var terms = {};
    [state.elections, state.leaders].forEach(function (table) {
        if (!isObject(table)) { return; }
        Object.keys(table).forEach(function (key) {
            var term = numberOrNull(key);
            if (term !== null) { terms[term] = true; }
        });
    });
    state.roleRecords.forEach(function (record) {
        if (record.term !== null && (record.kind === 'election' || isElectedRecord(record))) {
            terms[record.term] = true;
        }
    });
    return Object.keys(terms).map(Number).sort(function (a, b) { return b - a; });
}

// How long the cluster had no leader before `term`'s leader was elected, as
// far as the records allow: { elected_ms, loss, heard, campaign }, each of the
// last three { at_ms, from } or null. `loss` is the earliest sign that the
// previous leader was gone (its step-down record, or this page seeing it go);
// `heard` its last record before anyone campaigned (it was alive then, so the
// gap is at most elected - heard); `campaign` the first campaign since it was
// elected (the gap is at least elected - campaign). Null without a leader.
function leaderlessGap(term, terms) {
    var leader = leaderOfTerm(term);
    if (!leader || leader.elected_ms === null) { return null; }
    var elected_ms = leader.elected_ms;
    var previous = null;
    for (var i = 0; i < terms.length && previous === null; i++) {
        var earlier = terms[i] < term ? leaderOfTerm(terms[i]) : null;
        if (earlier && earlier.elected_ms !== null && earlier.elected_ms <= elected_ms) {
            previous = earlier;
        }
    }
    var since_ms = previous ? previous.elected_ms : elected_ms - k_campaign_lookback_ms;
    var within = function (at_ms, until_ms) {
        return at_ms !== null && at_ms > since_ms && at_ms <= until_ms;
    };
    var gap = { elected_ms: elected_ms, loss: null, heard: null, campaign: null };
    var earliest = function (current, at_ms, from) {
        return current === null || at_ms < current.at_ms ? { at_ms: at_ms, from: from } : current;
    };
    state.roleRecords.forEach(function (record) {
        if (!within(record.timestamp, elected_ms)) { return; }
        if (previous && record.node === previous.id && isSteppedDownRecord(record)) {
            var stepped_down = nodeLabel(record.node) + ' stepped down';
            gap.loss = earliest(gap.loss, record.timestamp, stepped_down);
        } else if (isCampaignRecord(record)) {
            gap.campaign = earliest(gap.campaign, record.timestamp, nodeLabel(record.node));
        }
    });
    if (!previous) { return gap; }
    state.leaderLosses.forEach(function (seen) {
        if (seen.leader === previous.id && within(seen.at_ms, elected_ms)) {
            var saw = 'this page saw ' + nodeLabel(seen.leader) + ' ' + seen.how;
            gap.loss = earliest(gap.loss, seen.at_ms, saw);
        }
    });
    var heard_until_ms = gap.campaign ? gap.campaign.at_ms : elected_ms;
    (state.recordTimes[previous.id] || []).forEach(function (at_ms) {
        if (within(at_ms, heard_until_ms) && (gap.heard === null || at_ms > gap.heard.at_ms)) {
            gap.heard = { at_ms: at_ms, from: nodeLabel(previous.id) };
        }
    });
    return gap;
}

function renderGap(entry, gap) {
    if (!gap || (gap.loss === null && gap.heard === null && gap.campaign === null)) { return; }
    var line = html('div', 'gap');
    var add = function (text, bold) {
        line.appendChild(bold ? html('b', '', text) : document.createTextNode(text));
    };
    if (gap.loss !== null) {
        add('without a leader: ');
        add(durationText(gap.elected_ms - gap.loss.at_ms), true);
        add(' (since ' + gap.loss.from + ')');
    } else if (gap.heard !== null) {
        add('without a leader: ');
        add('≤ ' + durationText(gap.elected_ms - gap.heard.at_ms), true);
        add(' (' + gap.heard.from + '\'s last record was at ' + clockText(gap.heard.at_ms) + ')');
    }
    if (gap.campaign !== null) {
        add(line.childNodes.length > 0 ? ' · election: ' : 'election: ');
        add(durationText(gap.elected_ms - gap.campaign.at_ms), true);
        add(' from ' + gap.campaign.from + '\'s first campaign');
    }
    entry.appendChild(line);
}

function normalizeBallots(candidacy) {
    var ballots = [];
    var reasons = isObject(candidacy.reasons) ? candidacy.reasons : {};
    var add = function (voter, value, reason) {
        var granted = false;
        if (typeof value === 'boolean') {
            granted = value;
        } else if (typeof value === 'string') {
            granted = value === 'granted';
            if (!granted && !reason) { reason = value.replace(/^refused:?/, ''); }
        } else if (isObject(value)) {
            granted = value.granted === true;
            reason = reason || value.reason || value.refusal || null;
        }
        var id = numberOrNull(voter);
        ballots.push({ voter: id !== null ? id : voter, granted: granted,
                       reason: granted ? null : (reason || null) });
    };
    if (isObject(candidacy.ballots)) {
        Object.keys(candidacy.ballots).forEach(function (voter) {
            var reason = typeof reasons[voter] === 'string' ? reasons[voter] : null;
            add(voter, candidacy.ballots[voter], reason);
        });
    } else if (Array.isArray(candidacy.ballots)) {
        candidacy.ballots.forEach(function (ballot) {
            if (isObject(ballot)) {
                add(ballot.voter, ballot, ballot.refusal || ballot.reason || null);
            }
        });
    }
    ballots.sort(function (a, b) {
        return String(a.voter).localeCompare(String(b.voter), undefined, { numeric: true });
    });
    return ballots;
}

function candidaciesOf(term) {
    var list = state.elections && state.elections[String(term)];
    if (!Array.isArray(list)) { return []; }
    return list.filter(isObject).map(function (candidacy) {
        return {
            candidate: numberOrNull(candidacy.candidate),
            outcome: typeof candidacy.outcome === 'string' ? candidacy.outcome : 'pending',
            ballots: normalizeBallots(candidacy)
        };
    });
}

function renderCandidacy(container, candidacy) {
    var line = html('div', 'candidacy');
    line.appendChild(html('span', 'who', nodeLabel(candidacy.candidate)));
    line.appendChild(html('span', 'outcome ' + candidacy.outcome, candidacy.outcome));
    if (candidacy.ballots.length === 0) {
        line.appendChild(html('span', 'gap', 'no ballots recorded'));
    }
    candidacy.ballots.forEach(function (ballot) {
        var verdict = ballot.granted ? ' ✓ granted' : ' ✗ ' + (ballot.reason || 'refused');
        var text = nodeLabel(ballot.voter) + verdict;
        var chip = html('span', 'vote ' + (ballot.granted ? 'granted' : 'refused'), text);
        chip.title = ballot.granted ? 'vote granted'
                                    : 'vote refused: ' + (ballot.reason || 'no reason recorded');
        line.appendChild(chip);
    });
    container.appendChild(line);
}

function renderTerm(container, term, terms) {
    var entry = html('div', 'term');
    entry.setAttribute('data-term', String(term));
    var head = html('div', 'term-head');
    head.appendChild(html('span', 'name', 'Term ' + term));
    var leader = leaderOfTerm(term);
    if (leader && leader.id !== null) {
        var votes = '';
        if (leader.votes !== null && leader.voters !== null) {
            votes = ' (' + leader.votes + '/' + leader.voters + ' votes)';
        }
        var winner = '♛ ' + nodeLabel(leader.id) + ' elected' + votes;
        head.appendChild(html('span', 'winner', winner));
        head.appendChild(html('span', 'when', clockText(leader.elected_ms)));
    } else {
        head.appendChild(html('span', 'none', 'no leader elected'));
    }
    entry.appendChild(head);
    renderGap(entry, leaderlessGap(term, terms));
    var candidacies = candidaciesOf(term);
    candidacies.forEach(function (candidacy) { renderCandidacy(entry, candidacy); });
    if (candidacies.length === 0 && state.elections !== null) {
        entry.appendChild(html('div', 'gap', 'no candidacy recorded'));
    }
    container.appendChild(entry);
}

function renderTimeline() {
    var banner = byId('timeline-banner');
    clearChildren(banner);
    if (state.historyError !== null) {
        banner.appendChild(html('div', 'banner error', state.historyError));
    }
    var container = byId('timeline');
    var scroll_top = container.scrollTop;
    clearChildren(container);
    var terms = knownTerms();
    if (terms.length === 0) {
        var loading = state.elections === null && state.historyError === null;
        container.appendChild(html('div', 'empty', loading ?
            'Loading…' : 'No elections recorded yet.'));
    }
    terms.slice(0, k_terms_shown_max).forEach(function (term) {
        renderTerm(container, term, terms);
    });
    container.scrollTop = scroll_top;
    byId('timeline-note').textContent =
        terms.length === 0 ? '' : terms.length === 1 ? '1 term' : terms.length + ' terms';
}

// ---- The event log ----------------------------------------------------------

function isStepRecord(record) {
    return record.kind === 'applied_move' && /^step\b/.test(record.detail);
}

var k_client_tail_min = 3;      // characters of a client id's tail shown at least
var expandedRecords = {};       // recordKey -> true: rows the user opened to read in full

function recordKey(record) {
    return record.id !== null ? record.id :
        record.timestamp + ' ' + record.node + ' ' + record.detail;
}

// The client id a command's record names ("... c=ID s=N"), or null.
function clientIdOf(record) {
    var match = / c=(\S+)/.exec(record.detail);
    return match ? match[1] : null;
}

// A short name for each of `ids` that still tells them apart: the id's first
// part (its kind: ctl, proxy) and the shortest tail, k_client_tail_min
// characters or more, whose name no other id shares; the whole id when that
// would be as long.
function shortClientIds(ids) {
    var names = {};
    var distinct = ids.filter(function (id, index) { return ids.indexOf(id) === index; });
    var nameOf = function (id, tail_length) {
        var dash = id.indexOf('-');
        var head = dash > 0 ? id.slice(0, dash) : '';
        if (head.length + tail_length + 1 >= id.length) { return id; }
        return head + '…' + id.slice(id.length - tail_length);
    };
    distinct.forEach(function (id) {
        for (var tail_length = k_client_tail_min; tail_length <= id.length; tail_length++) {
            var name = nameOf(id, tail_length);
            var shared = distinct.some(function (other) {
                return other !== id && nameOf(other, tail_length) === name;
            });
            if (!shared) {
                names[id] = name;
                return;
            }
        }
        names[id] = id;
    });
    return names;
}

// The newest records the log shows, and how many steps it hides.
function shownRecords() {
    var show_steps = byId('show-steps').checked;
    var shown = [];
    var hidden = 0;
    for (var i = state.records.length - 1; i >= 0 && shown.length < k_log_rows_max; i--) {
        if (!show_steps && isStepRecord(state.records[i])) { hidden += 1; }
        else { shown.push(state.records[i]); }
    }
    return { records: shown, hidden: hidden };
}

// One row; a click shows its whole text, wrapped, or folds it again.
function logRow(record, client_names) {
    var key = recordKey(record);
    var row = html('div', 'record' + (expandedRecords[key] ? ' expanded' : ''));
    row.appendChild(html('span', 'time', clockText(record.timestamp)));
    row.appendChild(html('span', 'kind ' + record.kind, record.kind.replace('_', ' ')));
    row.appendChild(html('span', 'node', nodeLabel(record.node)));
    row.appendChild(html('span', 'termno', record.term === null ? '' : 't' + record.term));
    var at_index = record.index !== null && record.index > 0 ? ' @' + record.index : '';
    var client = clientIdOf(record);
    var text = record.detail;
    // Folded, a command shows its client's short name and not its sequence.
    if (client !== null && !expandedRecords[key]) {
        text = text.replace(/ c=\S+ s=\d+/, ' c=' + client_names[client]);
    }
    var detail = html('span', 'detail', text + at_index);
    row.title = expandedRecords[key] ? 'click to fold' : record.detail + ' (click to show in full)';
    row.appendChild(detail);
    row.setAttribute('data-key', key);
    return row;
}

// Rows are rebuilt whenever records come (several times a second while the
// convoy moves), maybe between a press and its release: so a click is a press
// and a release on rows of the same record, not on the same element.
function setUpLog() {
    var container = byId('log');
    var pressed = null;
    var keyAt = function (event) {
        var row = event.target.closest ? event.target.closest('.record') : null;
        return row ? row.getAttribute('data-key') : null;
    };
    container.addEventListener('mousedown', function (event) { pressed = keyAt(event); });
    container.addEventListener('mouseup', function (event) {
        var key = keyAt(event);
        if (key === null || key !== pressed) { return; }
        pressed = null;
        // A drag that selected text to copy is not a click.
        if (String(window.getSelection()) !== '') { return; }
        if (expandedRecords[key]) { delete expandedRecords[key]; }
        else { expandedRecords[key] = true; }
        renderLog();
    });
    byId('show-steps').addEventListener('change', renderLog);
}

function renderLog() {
    var container = byId('log');
    var scroll_top = container.scrollTop;
    clearChildren(container);
    var shown = shownRecords();
    var clients = [];
    shown.records.forEach(function (record) {
        var client = clientIdOf(record);
        if (client !== null) { clients.push(client); }
    });
    var client_names = shortClientIds(clients);
    var kept = {};
    shown.records.forEach(function (record) {
        container.appendChild(logRow(record, client_names));
        kept[recordKey(record)] = true;
    });
    // Rows gone from the log forget that they were open.
    Object.keys(expandedRecords).forEach(function (key) {
        if (!kept[key]) { delete expandedRecords[key]; }
    });
    if (shown.records.length === 0) {
        var nothing = state.records.length === 0 ? 'Waiting for events…' : 'Only steps so far.';
        container.appendChild(html('div', 'empty', nothing));
    }
    container.scrollTop = scroll_top;
    byId('steps-hidden').textContent = shown.hidden > 0 ? '(' + shown.hidden + ' hidden)' : '';
}

// ---- Raft messages in flight --------------------------------------------------

var k_flight_ms = 800;
var k_flights_max = 60;              // at once; more are counted as skipped, not drawn

var flights = { active: 0, shown: 0, skipped: 0 };

// What a message is, for its colour: a request for votes, an answer granting
// or refusing, log replication and its acknowledgement, the rest.
function flightClass(message) {
    var type = message.type;
    if (type === 'vote' || type === 'pre_vote') { return 'vote'; }
    if (type === 'vote_response' || type === 'pre_vote_response') {
        return message.granted === true ? 'granted' : 'refused';
    }
    if (type === 'append') { return message.entries > 0 ? 'append' : 'heartbeat'; }
    if (type === 'append_response') { return message.success === false ? 'refused' : 'ack'; }
    if (type === 'snapshot' || type === 'snapshot_response') { return 'snapshot'; }
    if (type === 'timeout_now') { return 'timeout'; }
    return 'heartbeat';
}

function flightTitle(message) {
    var text = message.type + ' n' + message.from + ' → n' + message.to + ', term ' + message.term;
    if (message.count > 1) { text += ', ×' + message.count + ' this second'; }
    if (message.reason) { text += ', refused: ' + message.reason; }
    if (message.entries > 0) { text += ', ' + message.entries + ' entries'; }
    if (message.fate && message.fate !== 'sent') { text += ' (' + message.fate + ' by a fault)'; }
    return text;
}

// One dot from the sender's marker to the receiver's; a message a fault
// dropped stops halfway and fades.
function launchFlight(message) {
    var from = mapPlaces[message.from];
    var to = mapPlaces[message.to];
    if (!mapLayers || !from || !to) { return; }
    if (flights.active >= k_flights_max) { flights.skipped += 1; return; }
    var routine = message.count > 1 || flightClass(message) === 'heartbeat';
    var dot = svgElement('circle', {
        'class': 'flight ' + flightClass(message), r: routine ? 3 : 5, cx: from[0], cy: from[1],
        'data-type': message.type, 'data-from': message.from, 'data-to': message.to
    }, mapLayers.messages);
    var title = svgElement('title', {}, dot);
    title.textContent = flightTitle(message);
    var dropped = message.fate === 'dropped';
    var share = dropped ? 0.5 : 1;
    var dx = (to[0] - from[0]) * share;
    var dy = (to[1] - from[1]) * share;
    flights.active += 1;
    flights.shown += 1;
    root.setAttribute('data-flights-shown', String(flights.shown));
    var finish = function () {
        flights.active -= 1;
        dot.remove();
    };
    if (typeof dot.animate !== 'function') { setTimeout(finish, k_flight_ms); return; }
    var frames = [{ transform: 'translate(0px, 0px)', opacity: 1 },
                  { transform: 'translate(' + dx + 'px, ' + dy + 'px)', opacity: dropped ? 0 : 1 }];
    dot.animate(frames, { duration: k_flight_ms, easing: 'ease-in-out' }).onfinish = finish;
}

// A "trace" event: {node, missed, messages}; each message flies once.
function showTrace(payload) {
    if (!isObject(payload) || !Array.isArray(payload.messages)) { return; }
    payload.messages.forEach(function (message) {
        if (isObject(message) && numberOrNull(message.from) !== null &&
            numberOrNull(message.to) !== null) {
            launchFlight(message);
        }
    });
}

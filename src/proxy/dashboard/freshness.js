// ---- How old each node's data is ---------------------------------------------

var k_age_tick_ms = 250;
// Statuses come every 250 ms; none for this long and every node's data is old,
// whatever the last one said (the stream or the proxy stalled).
var k_status_silence_ms = 1500;

// The node's age fields from the proxy: data_age_ms and data_stale.
function normalizeAge(raw, now_ms) {
    var age_ms = numberOrNull(raw.data_age_ms);
    return {
        dataStale: raw.data_stale === true,
        heardAtMs: age_ms === null || age_ms < 0 ? null : now_ms - age_ms
    };
}

function dataAgeMs(node, now_ms) {
    return node.heardAtMs === null ? null : Math.max(0, now_ms - node.heardAtMs);
}

// The proxy has not heard from the node for over a poll, or this page has
// not heard from the proxy for a while.
function isDataOld(node, now_ms) {
    if (node.dataStale) { return true; }
    var age_ms = dataAgeMs(node, now_ms);
    return age_ms !== null && age_ms > k_status_silence_ms;
}

// '' while the data is fresh.
function dataAgeText(node, now_ms) {
    if (!isDataOld(node, now_ms)) { return ''; }
    var age_ms = dataAgeMs(node, now_ms);
    return age_ms === null ? 'never heard from' : 'data ' + durationText(age_ms) + ' old';
}

// Old data keeps ageing on the page between statuses.
function tickAges() {
    var now_ms = Date.now();
    var any_old = state.nodes.some(function (node) { return isDataOld(node, now_ms); });
    if (any_old) {
        renderMap();
        renderTable();
    }
}

// ---- The whole track: progress to the target --------------------------------

var k_track_height = 56;
var k_track_y = 24;                  // the track line, in the strip's pixels
var k_glyph_depth_min_px = 10;
var k_glyph_spread_px = 8;

// The strip's x scale: the track 0 to 100, widened to the target, the lead
// and what the close-up shows.
function trackFrame(width, target, lead, window_x) {
    var xs = [0, 100, target[0], window_x[0], window_x[1]];
    if (lead) { xs.push(lead[0]); }
    var x_min = Math.min.apply(null, xs) - 2;
    var x_max = Math.max.apply(null, xs) + 2;
    var left = 14;
    var right = 14;
    var scale = (width - left - right) / (x_max - x_min);
    return { width: width, scale: scale,
             sx: function (x) { return left + (x - x_min) * scale; },
             x_min: x_min, x_max: x_max };
}

// The formation as one chevron at the lead, pointing the way it travels:
// at this scale its nodes would sit on each other, so the close-up draws them.
function drawConvoyGlyph(layer, frame, lead, depth_units, count) {
    var x = frame.sx(lead[0]);
    var depth = Math.max(k_glyph_depth_min_px, depth_units * frame.scale);
    var d = 'M' + (x - depth).toFixed(1) + ' ' + (k_track_y - k_glyph_spread_px) +
        ' L' + x.toFixed(1) + ' ' + k_track_y +
        ' L' + (x - depth).toFixed(1) + ' ' + (k_track_y + k_glyph_spread_px) + ' Z';
    var glyph = svgElement('path', { 'class': 'convoy-glyph', d: d }, layer);
    svgElement('title', {}, glyph).textContent =
        'the convoy: ' + count + ' nodes, lead ' + pointText(lead);
}

// `view`: { lead, depth_units, count, window_x: [x_lo, x_hi] } from the close-up.
function renderTrack(view) {
    var svg = byId('track');
    var width = Math.max(300, Math.round(svg.getBoundingClientRect().width) || 820);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + k_track_height);
    clearChildren(svg);
    var mission = state.mission || {};
    var target = mission.target || [100, 0];
    var frame = trackFrame(width, target, view.lead, view.window_x);
    var sx = frame.sx;
    // What the close-up below shows, as a band on the track.
    svgElement('rect', { 'class': 'closeup-window', x: sx(view.window_x[0]), y: k_track_y - 13,
                         width: Math.max(2, sx(view.window_x[1]) - sx(view.window_x[0])),
                         height: 26 }, svg);
    svgLine(svg, 'track', sx(0), k_track_y, sx(100), k_track_y);
    if (view.lead) {
        var done_x = Math.max(0, Math.min(100, view.lead[0]));
        if (done_x > 0) { svgLine(svg, 'track-done', sx(0), k_track_y, sx(done_x), k_track_y); }
    }
    for (var x = Math.ceil(frame.x_min / 10) * 10; x <= frame.x_max; x += 10) {
        svgLine(svg, 'tick', sx(x), k_track_y + 7, sx(x), k_track_y + 11);
        svgText(svg, sx(x), k_track_y + 23, String(x), 'tick-label', 'middle');
    }
    var tx = sx(target[0]);
    svgElement('circle', { 'class': 'target', cx: tx, cy: k_track_y, r: 9 }, svg);
    svgElement('circle', { 'class': 'target', cx: tx, cy: k_track_y, r: 4 }, svg);
    var label = 'target ' + pointText(target);
    var anchor = tx > width - 70 ? 'end' : tx < 70 ? 'start' : 'middle';
    svgText(svg, tx + (anchor === 'end' ? 9 : anchor === 'start' ? -9 : 0), k_track_y - 14,
            label, 'target-label', anchor);
    if (view.lead && view.count > 0) {
        drawConvoyGlyph(svg, frame, view.lead, view.depth_units, view.count);
    }
}

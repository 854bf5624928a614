// ---- Layout of the close-up: no marker on another, no label on a marker -------

var k_layout_gap_px = 3;          // between two markers, or a marker and a label
var k_layout_tries_max = 12;      // rings of spots tried around a crowded marker

// A box { left, top, right, bottom } in the close-up's pixels.
function boxAt(local, x, y, gap) {
    return { left: x + local.x - gap, top: y + local.y - gap,
             right: x + local.x + local.width + gap, bottom: y + local.y + local.height + gap };
}

function boxesMeet(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function meetsAny(box, boxes) {
    for (var i = 0; i < boxes.length; i++) {
        if (boxesMeet(box, boxes[i])) { return true; }
    }
    return false;
}

function boxInside(box, bounds) {
    return box.left >= bounds.left && box.right <= bounds.right &&
        box.top >= bounds.top && box.bottom <= bounds.bottom;
}

// Spots to try for a marker whose own place is taken, nearest first: along
// its row, then above and below, a marker's size apart.
function markerSpots(item) {
    var step_x = item.box.width + 2 * k_layout_gap_px;
    var step_y = item.box.height + 2 * k_layout_gap_px;
    var spots = [[item.x, item.y]];
    for (var ring = 1; ring <= k_layout_tries_max; ring++) {
        spots.push([item.x, item.y + ring * step_y], [item.x, item.y - ring * step_y],
                   [item.x + ring * step_x, item.y], [item.x - ring * step_x, item.y]);
    }
    return spots;
}

// Gives each item ({ x, y, box: its marker's local bounding box }) a place
// `shown` [x, y] where its marker meets no other: its own place if free, else
// the nearest free spot inside `bounds`. Items earlier in the list keep their
// places first. Returns the markers' boxes as placed.
function placeMarkers(items, bounds) {
    var placed = [];
    items.forEach(function (item) {
        var spots = markerSpots(item);
        item.shown = spots[0];
        for (var i = 0; i < spots.length; i++) {
            var box = boxAt(item.box, spots[i][0], spots[i][1], 0);
            if (!meetsAny(box, placed) && (i === 0 || boxInside(box, bounds))) {
                item.shown = spots[i];
                break;
            }
        }
        item.marker = boxAt(item.box, item.shown[0], item.shown[1], 0);
        placed.push(item.marker);
    });
    return placed;
}

// Where a label of size `size` ({ width, height }) may go beside a marker
// box, as the label's top-left corner: right, left, below, above.
function labelSpots(marker, size) {
    var middle_y = (marker.top + marker.bottom) / 2 - size.height / 2;
    var middle_x = (marker.left + marker.right) / 2 - size.width / 2;
    var gap = k_layout_gap_px + 1;
    return [[marker.right + gap, middle_y], [marker.left - gap - size.width, middle_y],
            [middle_x, marker.bottom + gap], [middle_x, marker.top - gap - size.height]];
}

// Puts each item's label (item.label: { width, height }, or null for none)
// where it covers no marker and no label placed before it, inside `bounds`;
// sets item.labelAt (top-left corner) or null when no spot is free, and the
// label is then not shown (its text stays in the node's tooltip).
function placeLabels(items, markers, bounds) {
    var taken = markers.slice();
    items.forEach(function (item) {
        item.labelAt = null;
        if (!item.label) { return; }
        var spots = labelSpots(item.marker, item.label);
        for (var i = 0; i < spots.length; i++) {
            var box = { left: spots[i][0], top: spots[i][1],
                        right: spots[i][0] + item.label.width,
                        bottom: spots[i][1] + item.label.height };
            var padded = { left: box.left - k_layout_gap_px, top: box.top - k_layout_gap_px,
                           right: box.right + k_layout_gap_px,
                           bottom: box.bottom + k_layout_gap_px };
            if (boxInside(box, bounds) && !meetsAny(padded, taken)) {
                item.labelAt = spots[i];
                taken.push(box);
                return;
            }
        }
    });
}

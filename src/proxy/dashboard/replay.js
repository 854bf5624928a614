// ---- Replay controls --------------------------------------------------------

var k_replay_poll_ms = 250;
var replayBar = null;         // the bar's elements once GET /replay answered
var replayDragging = false;   // the slider is held: polls do not move it

function replayTimeText(ms) {
    var date = new Date(ms);
    return date.toLocaleTimeString([], { hour12: false }) + '.' +
        String(date.getMilliseconds()).padStart(3, '0');
}

function renderReplay(position) {
    if (!replayBar || !isObject(position)) { return; }
    var start = numberOrNull(position.start_ms);
    var end = numberOrNull(position.end_ms);
    var at = numberOrNull(position.position_ms);
    if (start === null || end === null || at === null) { return; }
    replayBar.slider.min = String(start);
    replayBar.slider.max = String(end);
    if (!replayDragging) { replayBar.slider.value = String(at); }
    replayBar.play.textContent = position.playing ? 'Pause' : 'Play';
    replayBar.play.dataset.playing = position.playing ? 'true' : 'false';
    replayBar.clock.textContent = replayTimeText(at) + ' (' +
        ((at - start) / 1000).toFixed(1) + ' s of ' + ((end - start) / 1000).toFixed(1) + ' s)';
    replayBar.speed.value = String(position.speed);
    document.documentElement.dataset.replayPosition = String(at);
}

function sendReplay(body) {
    postJson('/replay', body, adminToken).then(function (answer) {
        if (answer.ok) {
            replayBar.note.textContent = '';
            renderReplay(answer.data);
            return;
        }
        replayBar.note.textContent = answer.code === 401
            ? 'the controls need the admin token: open the address the replay printed'
            : 'replay: ' + (answer.message || ('HTTP ' + answer.code));
    });
}

function pollReplay() {
    getJson('/replay').then(function (answer) {
        if (answer.ok) { renderReplay(answer.data); }
    });
}

function buildReplayBar() {
    var bar = document.createElement('div');
    bar.id = 'replay-bar';
    bar.style.cssText = 'position:fixed;left:0;right:0;bottom:0;display:flex;gap:8px;' +
        'align-items:center;padding:6px 12px;background:#1d2733;color:#fff;z-index:10;' +
        'font:13px system-ui,sans-serif';
    function button(text, action) {
        var element = document.createElement('button');
        element.type = 'button';
        element.textContent = text;
        element.dataset.replay = action;
        bar.appendChild(element);
        return element;
    }
    var label = document.createElement('strong');
    label.textContent = 'Replay';
    bar.appendChild(label);
    var play = button('Play', 'play');
    var step = button('Step', 'step');
    var slider = document.createElement('input');
    slider.type = 'range';
    slider.step = '1';
    slider.style.flex = '1';
    slider.setAttribute('aria-label', 'replay position');
    bar.appendChild(slider);
    var clock = document.createElement('span');
    bar.appendChild(clock);
    var speed = document.createElement('select');
    speed.setAttribute('aria-label', 'replay speed');
    [0.25, 0.5, 1, 2, 5, 10].forEach(function (value) {
        var option = document.createElement('option');
        option.value = String(value);
        option.textContent = value + '\u00d7';
        speed.appendChild(option);
    });
    bar.appendChild(speed);
    var note = document.createElement('span');
    bar.appendChild(note);
    document.body.appendChild(bar);
    document.body.style.paddingBottom = '48px';
    replayBar = { play: play, slider: slider, clock: clock, speed: speed, note: note };
    play.addEventListener('click', function () {
        sendReplay({ action: play.dataset.playing === 'true' ? 'pause' : 'play' });
    });
    step.addEventListener('click', function () { sendReplay({ action: 'step' }); });
    slider.addEventListener('input', function () { replayDragging = true; });
    slider.addEventListener('change', function () {
        replayDragging = false;
        sendReplay({ action: 'seek', to_ms: Number(slider.value) });
    });
    speed.addEventListener('change', function () {
        sendReplay({ action: play.dataset.playing === 'true' ? 'play' : 'pause',
                     speed: Number(speed.value) });
    });
}

// Only a replay server answers GET /replay; on a live proxy it is a 404
// and the page stays as it was.
function setUpReplay() {
    getJson('/replay').then(function (answer) {
        if (!answer.ok || !isObject(answer.data)) { return; }
        document.documentElement.dataset.replay = 'true';
        buildReplayBar();
        renderReplay(answer.data);
        setInterval(pollReplay, k_replay_poll_ms);
    });
}

setUpReplay();

// ---- The lesson banner --------------------------------------------------------

var k_lesson_steps_max = 64;

var lesson = {
    banner: null,       // the banner in force, normalized, or null
    dismissed: false,   // closed with ×, until the next run of a lesson
    lastName: null,     // the lesson of the last banner seen
    lastStep: null,     // its step; null after a clear
    events: 0           // lesson events seen, so a late GET cannot undo a newer one
};

function textOrEmpty(value) { return typeof value === 'string' ? value : ''; }

function normalizeLesson(payload) {
    if (!isObject(payload) || typeof payload.lesson !== 'string' || payload.lesson === '') {
        return null;
    }
    var steps = numberOrNull(payload.steps);
    var step = numberOrNull(payload.step);
    if (steps === null || step === null || steps < 1) { return null; }
    steps = Math.min(Math.floor(steps), k_lesson_steps_max);
    var state = payload.state === 'passed' || payload.state === 'failed' ? payload.state
        : 'running';
    return {
        lesson: payload.lesson,
        title: textOrEmpty(payload.title),
        step: Math.max(0, Math.min(Math.floor(step), steps)),
        steps: steps,
        heading: textOrEmpty(payload.heading),
        text: textOrEmpty(payload.text),
        state: state,
        detail: textOrEmpty(payload.detail)
    };
}

// A banner of another lesson, or one back at its start after a later step
// (or after a clear), is a new run: a closed banner shows again.
function applyLesson(payload) {
    var banner = normalizeLesson(payload);
    if (banner) {
        var restarted = banner.lesson !== lesson.lastName ||
            (banner.step <= 1 && (lesson.lastStep === null || lesson.lastStep > 1));
        if (restarted) { lesson.dismissed = false; }
        lesson.lastName = banner.lesson;
        lesson.lastStep = banner.step;
    } else {
        lesson.lastStep = null;
    }
    lesson.banner = banner;
    renderLesson();
}

function onLessonEvent(payload) {
    lesson.events += 1;
    applyLesson(payload);
}

// A stream that comes back after a break brings the banner in force, but
// not a clear it missed: ask. A lesson event since the question wins.
function refreshLesson() {
    var seen = lesson.events;
    getJson('/lesson').then(function (answer) {
        if (!answer.ok || !isObject(answer.data) || lesson.events !== seen) { return; }
        applyLesson(answer.data.lesson);
    });
}

function renderLessonProgress(banner) {
    var progress = byId('lesson-progress');
    while (progress.children.length > banner.steps) { progress.removeChild(progress.lastChild); }
    while (progress.children.length < banner.steps) { progress.appendChild(html('i')); }
    for (var i = 0; i < banner.steps; i += 1) {
        var number = i + 1;
        var done = number < banner.step || (number === banner.step && banner.state === 'passed');
        progress.children[i].className = done ? 'done' : number === banner.step ? 'current' : '';
    }
    progress.title = 'step ' + banner.step + ' of ' + banner.steps;
}

function renderLesson() {
    var element = byId('lesson');
    var banner = lesson.banner;
    var shown = banner !== null && !lesson.dismissed;
    element.hidden = !shown;
    root.setAttribute('data-lesson', banner ? banner.state : '');
    root.setAttribute('data-lesson-shown', shown ? 'true' : 'false');
    if (!banner) { return; }
    element.setAttribute('data-lesson', banner.lesson);
    element.setAttribute('data-state', banner.state);
    element.setAttribute('data-step', String(banner.step));
    element.setAttribute('data-steps', String(banner.steps));
    byId('lesson-title').textContent = banner.title || banner.lesson;
    var step = byId('lesson-step');
    step.textContent = '';
    step.appendChild(html('span', 'lesson-count', 'step ' + banner.step + ' of ' + banner.steps));
    if (banner.heading) {
        step.appendChild(document.createTextNode(' · '));
        step.appendChild(html('span', 'lesson-heading', banner.heading));
    }
    var outcome = byId('lesson-outcome');
    outcome.textContent = banner.state === 'running' ? '' : banner.state;
    outcome.hidden = banner.state === 'running';
    var text = byId('lesson-text');
    text.textContent = banner.text;
    text.hidden = banner.text === '';
    var detail = byId('lesson-detail');
    detail.textContent = banner.detail;
    detail.hidden = banner.detail === '';
    renderLessonProgress(banner);
}

function setUpLesson() {
    byId('lesson-close').addEventListener('click', function () {
        lesson.dismissed = true;
        renderLesson();
    });
    renderLesson();
}

// ctl lesson list, ctl lesson run NAME: the guided lessons (src/ctl/lesson/).

#include "ctl/commands.hpp"
#include "ctl/format.hpp"
#include "ctl/lesson/lesson_run.hpp"
#include "ctl/lesson/lessons.hpp"
#include "ctl/table.hpp"

#include <raftescort/util/assert.hpp>

#include <string>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

std::string lesson_names()
{
    std::string names;
    for (const lesson::LessonDefinition& known : lesson::all_lessons()) {
        names += (names.empty() ? "" : ", ") + std::string(known.name);
    }
    return names;
}

/// The cluster can hold the lesson: a leader and enough voters.
util::Status check_cluster(lesson::ClusterProbe& probe, const lesson::LessonDefinition& chosen)
{
    util::Result<lesson::NodeState> leader = probe.leader();
    if (!leader.ok()) {
        return util::make_error(util::ErrorCode::unavailable,
                                "the lesson needs a cluster with a leader; "
                                    + leader.error().message);
    }
    if (leader.value().voters.size() < chosen.voters_min) {
        return util::make_error(util::ErrorCode::unavailable,
                                std::string(chosen.name) + " needs at least "
                                    + std::to_string(chosen.voters_min) + " voters; the cluster has "
                                    + std::to_string(leader.value().voters.size()));
    }
    return util::Ok{};
}

} // namespace

util::Status run_lesson_list(CommandContext& context)
{
    if (context.settings.json) {
        json list = json::array();
        for (const lesson::LessonDefinition& known : lesson::all_lessons()) {
            list.push_back(json{{"name", known.name},
                                {"title", known.title},
                                {"summary", known.summary},
                                {"steps", known.steps},
                                {"voters_min", known.voters_min}});
        }
        print_json(context.out, list);
        return util::Ok{};
    }
    Table table({"LESSON", "STEPS", "WHAT IT SHOWS"});
    for (const lesson::LessonDefinition& known : lesson::all_lessons()) {
        table.add_row({known.name, std::to_string(known.steps), known.summary});
    }
    table.print(context.out);
    context.out << "\nRun one with: raftescort ctl lesson run NAME (watch the dashboard meanwhile)\n";
    return util::Ok{};
}

util::Status run_lesson_run(CommandContext& context)
{
    const CtlSettings& settings = context.settings;
    const lesson::LessonDefinition* chosen = lesson::find_lesson(settings.lesson_name);
    if (chosen == nullptr) {
        return util::make_error(util::ErrorCode::invalid_argument,
                                "no lesson \"" + settings.lesson_name + "\"; the lessons are "
                                    + lesson_names());
    }
    lesson::ClusterProbe probe(context.client);
    RE_TRY(ready, check_cluster(probe, *chosen));
    (void)ready;
    lesson::LessonOptions options;
    options.pace = lesson::Milliseconds(settings.lesson_pace_ms);
    options.patience = settings.lesson_patience;
    options.quiet = settings.json;
    lesson::LessonRun run(*chosen, context.client, client_options(settings), context.out,
                          options);
    if (!settings.json) {
        context.out << "Lesson " << chosen->name << ": " << chosen->title << " (" << chosen->steps
                    << " steps)\n"
                    << chosen->summary << ".\n";
    }
    util::Status outcome = run.remember_cluster();
    if (outcome.ok()) {
        outcome = chosen->run(run);
    }
    util::Status finished = run.finish(outcome);
    if (settings.json) {
        print_json(context.out, run.summary_json());
    }
    if (!finished.ok() && finished.error().code == util::ErrorCode::invalid_argument) {
        // A request the lesson built was refused as bad input: still a
        // lesson that did not pass, not a usage error of this command line.
        return util::make_error(util::ErrorCode::unavailable, finished.error().message);
    }
    return finished;
}

} // namespace raftescort::ctl

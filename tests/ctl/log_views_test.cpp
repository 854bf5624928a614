// `ctl log`'s text: one node's window with each entry's state, and every
// node's side by side, aligned by index.

#include "ctl/log_views.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

using namespace raftescort::ctl;
using nlohmann::json;

namespace {

json entry(std::uint64_t index, std::uint64_t term, const char* kind, const char* command)
{
    return json{{"index", index}, {"term", term}, {"type", "normal"}, {"kind", kind},
                {"command", command}};
}

json window(std::uint64_t id, const char* role, json entries, std::uint64_t commit,
            std::uint64_t applied)
{
    return json{{"id", id},
                {"name", "127.0.0." + std::to_string(10 + id) + ":7000"},
                {"role", role},
                {"term", 3},
                {"first_index", 1},
                {"last_index", entries.empty() ? 0 : entries.back()["index"].get<std::uint64_t>()},
                {"commit_index", commit},
                {"applied_index", applied},
                {"snapshot_index", 0},
                {"entries", std::move(entries)},
                {"overwritten", json::array()}};
}

} // namespace

TEST_CASE("ctl log: one node's entries with their state, and what it lost", "[ctl]")
{
    // Goal: applied, committed and uncommitted entries are told apart, and a
    // lost entry is listed with its old term and the term that replaced it.
    json one = window(2, "follower",
                      json::array({entry(4, 2, "step", "step 3 0"), entry(5, 3, "take_lead", "take_lead 1"),
                                   entry(6, 3, "move", "move 1 0 c=a s=1")}),
                      5, 4);
    one["overwritten"] = json::array({json{{"index", 5},
                                           {"term", 2},
                                           {"how", "replaced"},
                                           {"replaced_by_term", 3},
                                           {"at_ms", 0}}});
    std::ostringstream out;
    print_log_window(out, one);
    const std::string text = out.str();
    CHECK(text.find("node 2 (127.0.0.12:7000) follower, term 3; entries 1..6, commit 5, "
                    "applied 4, snapshot 0\n")
          == 0);
    CHECK(text.find("4      2     normal  step 3 0          applied") != std::string::npos);
    CHECK(text.find("5      3     normal  take_lead 1       committed") != std::string::npos);
    CHECK(text.find("6      3     normal  move 1 0 c=a s=1  uncommitted") != std::string::npos);
    CHECK(text.find("lost: index 5 (term 2) replaced by term 3 at ") != std::string::npos);
}

TEST_CASE("ctl log: every node side by side, aligned by index", "[ctl]")
{
    // Goal: one row per index, one column per node; a node that lacks an
    // index shows "-", an uncommitted entry a star; a node that could not
    // be read says why.
    const json all{
        {"leader", 1},
        {"nodes",
         json::array({window(1, "leader",
                             json::array({entry(7, 3, "step", "step 5 0"),
                                          entry(8, 3, "move", "move 0 1")}),
                             7, 7),
                      window(2, "follower", json::array({entry(7, 3, "step", "step 5 0")}), 7, 7),
                      json{{"id", 3}, {"name", "127.0.0.13:7000"}, {"error", "crashed"}}})}};
    std::ostringstream out;
    print_log_windows(out, all);
    const std::string text = out.str();
    CHECK(text.find("INDEX    1 (leader)  2 (follower)  3 (unreadable)\n") == 0);
    CHECK(text.find("\n7        3 step      3 step        -\n") != std::string::npos);
    CHECK(text.find("\n8        3 move*     -             -\n") != std::string::npos);
    CHECK(text.find("\nCOMMIT   7           7             -\n") != std::string::npos);
    CHECK(text.find("* not yet committed on that node") != std::string::npos);
    CHECK(text.find("node 3 (127.0.0.13:7000): crashed") != std::string::npos);
}

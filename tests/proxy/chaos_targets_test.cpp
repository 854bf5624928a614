// Unit tests of the proxy's fault targets (proxy/api/chaos_targets.hpp):
// roles resolve against the cluster as it is, ids are checked.

#include "proxy/api/chaos_targets.hpp"

#include <catch2/catch.hpp>

namespace {

using nlohmann::json;
using raftescort::proxy::ChaosMembers;
using raftescort::proxy::complement;
using raftescort::proxy::resolve_chaos_target;
using Ids = std::vector<std::uint64_t>;

Ids resolved(const json& target, const ChaosMembers& members)
{
    auto ids = resolve_chaos_target(target, members);
    INFO(target.dump());
    REQUIRE(ids);
    return ids.value();
}

std::string refusal(const json& target, const ChaosMembers& members)
{
    auto ids = resolve_chaos_target(target, members);
    REQUIRE_FALSE(ids);
    return ids.error().message;
}

} // namespace

TEST_CASE("a fault's target role resolves against the cluster as it is now", "[proxy][chaos]")
{
    const ChaosMembers five{{1, 2, 3, 4, 5}, 4};
    CHECK(resolved("all", five) == Ids{1, 2, 3, 4, 5});
    CHECK(resolved("leader", five) == Ids{4});
    CHECK(resolved("followers", five) == Ids{1, 2, 3, 5});
    // The leader's side of a split is the minority, so the rest elect.
    CHECK(resolved("minority", five) == Ids{1, 4});
    CHECK(resolved("majority", five) == Ids{2, 3, 5});
    CHECK(complement(resolved("minority", five), five) == Ids{2, 3, 5});

    const ChaosMembers three{{1, 2, 3}, 0};
    CHECK(resolved("minority", three) == Ids{1});
    CHECK(resolved("majority", three) == Ids{2, 3});
    CHECK(resolved("followers", three) == Ids{1, 2, 3});
    CHECK(refusal("leader", three) == "target \"leader\": there is no leader now");
    CHECK(refusal("minority", ChaosMembers{{1, 2}, 1}).find("no minority") != std::string::npos);
    CHECK(refusal("all", ChaosMembers{}) == "the proxy knows no node yet");
    CHECK(refusal("everyone", five).find("unknown target") != std::string::npos);
}

TEST_CASE("a fault's target ids must be nodes the proxy knows", "[proxy][chaos]")
{
    const ChaosMembers five{{1, 2, 3, 4, 5}, 4};
    CHECK(resolved(3, five) == Ids{3});
    CHECK(resolved(json::array({5, 2, 5}), five) == Ids{2, 5});
    CHECK(refusal(9, five) == "target node 9 is not a node the proxy knows");
    CHECK(refusal(json::array(), five).find("1 to 64") != std::string::npos);
    CHECK(refusal(json::array({0}), five).find("node ids") != std::string::npos);
    CHECK(refusal(json::array({"2"}), five).find("node ids") != std::string::npos);
    CHECK(refusal(-1, five).find("node ids") != std::string::npos);
}

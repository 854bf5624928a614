// Unit tests of RaftNode, one rule of the Raft paper's Figure 2 (and the
// extensions we build) per test. Each test cites its section.

#include "raft/raft_harness.hpp"

#include <catch2/catch.hpp>

using namespace raftescort::raft;
using raftescort::raft::testing::Harness;

namespace {

Message make_message(MessageType type, std::uint64_t from, std::uint64_t to, std::uint64_t term)
{
    Message message;
    message.type = type;
    message.from = NodeId{from};
    message.to = NodeId{to};
    message.term = Term{term};
    return message;
}

std::vector<Message> drain(RaftNode& node)
{
    Ready ready = node.ready();
    std::vector<Message> messages = ready.early_messages;
    messages.insert(messages.end(), ready.messages.begin(), ready.messages.end());
    node.advance(ready);
    return messages;
}

Entry make_entry(std::uint64_t term, std::uint64_t index, std::string data = "x")
{
    return Entry{Term{term}, Index{index}, EntryType::normal, std::move(data)};
}

RaftNode make_follower(std::uint64_t id, std::uint64_t term, std::vector<Entry> entries,
                       std::uint64_t voters = 3)
{
    Config config;
    config.id = NodeId{id};
    config.election_ticks = 10;
    PersistedState state;
    state.hard_state.term = Term{term};
    state.entries = std::move(entries);
    // A snapshot at index 0 carries the membership without bootstrap entries,
    // so the test's own entries keep their indexes.
    Snapshot membership;
    for (std::uint64_t v = 1; v <= voters; ++v) {
        membership.metadata.conf.voters.insert(NodeId{v});
    }
    state.snapshot = membership;
    return RaftNode(config, std::move(state));
}

} // namespace

TEST_CASE("a cluster elects exactly one leader", "[raft][5.2]")
{
    // Goal: from a cold start, one node becomes leader and the others follow it in its term.
    Harness cluster(5);
    NodeId leader = cluster.elect();
    REQUIRE(leader != k_no_node);
    int leaders = 0;
    for (std::uint64_t id = 1; id <= 5; ++id) {
        leaders += cluster.node(id).role() == Role::leader;
        REQUIRE(cluster.node(id).term() == cluster.node(leader).term());
        REQUIRE(cluster.node(id).leader() == leader);
    }
    REQUIRE(leaders == 1);
}

TEST_CASE("a new leader commits a no-op entry of its term first", "[raft][8]")
{
    // Goal: the first committed entry of a term is the leader's no-op carrying its id.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    // Entries 1..3 are the bootstrap membership, committed at term 1.
    const std::vector<Entry>& applied = cluster.applied(leader.value);
    REQUIRE(applied.size() == 4);
    for (std::size_t i = 0; i < 3; ++i) {
        REQUIRE(applied[i].type == EntryType::conf_change);
        REQUIRE(applied[i].term == Term{1});
    }
    REQUIRE(applied[3].type == EntryType::leader_noop);
    REQUIRE(applied[3].data == std::to_string(leader.value));
    REQUIRE(applied[3].term == cluster.node(leader).term());
}

TEST_CASE("a node with a higher term makes a candidate step down", "[raft][5.1]")
{
    // Goal: any message with a higher term turns the receiver into a follower of that term.
    RaftNode node = make_follower(1, 1, {});
    node.campaign(); // pre-vote
    REQUIRE(node.role() == Role::pre_candidate);
    Message append = make_message(MessageType::append, 2, 1, 5);
    node.step(append);
    REQUIRE(node.role() == Role::follower);
    REQUIRE(node.term() == Term{5});
    REQUIRE(node.leader() == NodeId{2});
}

TEST_CASE("a message from an older term is refused", "[raft][5.1]")
{
    // Goal: an append from a stale leader is rejected and tells it the newer term.
    RaftNode node = make_follower(1, 4, {make_entry(1, 1)});
    Message append = make_message(MessageType::append, 2, 1, 3);
    append.index = Index{1};
    append.log_term = Term{1};
    append.entries = {make_entry(3, 2)};
    node.step(append);
    REQUIRE(node.last_index() == Index{1});
    std::vector<Message> out = drain(node);
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].type == MessageType::append_response);
    REQUIRE(out[0].term == Term{4});
    REQUIRE(out[0].reject);
}

TEST_CASE("a node votes at most once per term", "[raft][5.2]")
{
    // Goal: the second candidate of a term is refused and told why.
    RaftNode node = make_follower(1, 1, {});
    Message vote = make_message(MessageType::vote, 2, 1, 2);
    node.step(vote);
    REQUIRE(node.voted_for() == NodeId{2});
    std::vector<Message> first = drain(node);
    REQUIRE(first.size() == 1);
    REQUIRE_FALSE(first[0].reject);
    Message other = make_message(MessageType::vote, 3, 1, 2);
    node.step(other);
    std::vector<Message> second = drain(node);
    REQUIRE(second.size() == 1);
    REQUIRE(second[0].reject);
    REQUIRE(second[0].refusal == VoteRefusal::already_voted);
    REQUIRE(node.voted_for() == NodeId{2});
}

TEST_CASE("a vote is refused to a candidate with a stale log", "[raft][5.4.1]")
{
    // Goal: the up-to-date check compares last term first, then last index.
    RaftNode node = make_follower(1, 2, {make_entry(1, 1), make_entry(2, 2)});
    Message vote = make_message(MessageType::vote, 2, 1, 3);
    vote.index = Index{5};
    vote.log_term = Term{1}; // longer log but older last term
    node.step(vote);
    std::vector<Message> out = drain(node);
    REQUIRE(out[0].reject);
    REQUIRE(out[0].refusal == VoteRefusal::stale_log);

    Message fresh = make_message(MessageType::vote, 3, 1, 3);
    fresh.index = Index{2};
    fresh.log_term = Term{2};
    node.step(fresh);
    out = drain(node);
    REQUIRE_FALSE(out[0].reject);
}

TEST_CASE("a follower rejects an append whose previous entry does not match", "[raft][5.3]")
{
    // Goal: the consistency check refuses, with a hint at the conflicting term's first index.
    RaftNode node = make_follower(1, 3, {make_entry(1, 1), make_entry(2, 2), make_entry(2, 3)});
    Message append = make_message(MessageType::append, 2, 1, 3);
    append.index = Index{3};
    append.log_term = Term{3};
    append.entries = {make_entry(3, 4)};
    node.step(append);
    std::vector<Message> out = drain(node);
    REQUIRE(out[0].reject);
    REQUIRE(out[0].conflict_term == Term{2});
    REQUIRE(out[0].conflict_index == Index{2});
    REQUIRE(node.last_index() == Index{3});
}

TEST_CASE("a follower replaces a conflicting suffix with the leader's entries", "[raft][5.3]")
{
    // Goal: entries after the first conflict are deleted, matching ones kept.
    RaftNode node = make_follower(1, 3, {make_entry(1, 1), make_entry(2, 2), make_entry(2, 3)});
    Message append = make_message(MessageType::append, 2, 1, 3);
    append.index = Index{1};
    append.log_term = Term{1};
    append.entries = {make_entry(3, 2, "a"), make_entry(3, 3, "b"), make_entry(3, 4, "c")};
    append.commit = Index{3};
    node.step(append);
    REQUIRE(node.last_index() == Index{4});
    REQUIRE(node.term_at(Index{2}) == Term{3});
    REQUIRE(node.entries(Index{4}, Index{4})[0].data == "c");
    // Raft §5.3: commitIndex = min(leaderCommit, index of last new entry).
    REQUIRE(node.commit_index() == Index{3});
}

TEST_CASE("the commit index follows min(leader commit, last new entry)", "[raft][5.3]")
{
    // Goal: a follower never commits beyond what the leader's message proves it holds.
    RaftNode node = make_follower(1, 1, {});
    Message append = make_message(MessageType::append, 2, 1, 1);
    append.entries = {make_entry(1, 1), make_entry(1, 2)};
    append.commit = Index{10};
    node.step(append);
    REQUIRE(node.commit_index() == Index{2});
}

TEST_CASE("a leader commits on a majority and every node applies in order", "[raft][5.3]")
{
    // Goal: a proposal is committed once a majority holds it, then applied everywhere once.
    Harness cluster(5);
    NodeId leader = cluster.elect();
    auto position = cluster.node(leader).propose("move 1 0");
    REQUIRE(position.ok());
    cluster.stabilize();
    cluster.tick_all(2);
    for (std::uint64_t id = 1; id <= 5; ++id) {
        const std::vector<Entry>& applied = cluster.applied(id);
        REQUIRE(applied.size() == 7); // 5 bootstrap entries, the no-op, the move
        REQUIRE(applied.back().index == position.value().index);
        REQUIRE(applied.back().data == "move 1 0");
    }
}

TEST_CASE("a minority cannot commit", "[raft][5.3]")
{
    // Goal: a leader cut off with one follower of five appends but never commits.
    Harness cluster(5, [](Config& config) { config.check_quorum = false; });
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    Index committed = cluster.node(leader).commit_index();
    NodeId friend_node = NodeId{leader.value % 5 + 1};
    for (std::uint64_t id = 1; id <= 5; ++id) {
        if (NodeId{id} != leader && NodeId{id} != friend_node) {
            cluster.isolate(NodeId{id});
        }
    }
    REQUIRE(cluster.node(leader).propose("move 1 0").ok());
    cluster.stabilize();
    REQUIRE(cluster.node(leader).last_index() > committed);
    REQUIRE(cluster.node(leader).commit_index() == committed);
}

TEST_CASE("an entry of an earlier term is not committed by counting replicas", "[raft][5.4.2]")
{
    // Goal: Figure 8: a new leader replicating an old-term entry to a majority does
    // not commit it until an entry of its own term is replicated too.
    Config config;
    config.id = NodeId{1};
    PersistedState state;
    state.hard_state.term = Term{2};
    state.entries = {make_entry(1, 1), make_entry(2, 2)};
    state.snapshot = Snapshot{};
    state.snapshot->metadata.conf.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    config.pre_vote = false;
    RaftNode leader(config, std::move(state));
    leader.campaign();
    drain(leader);
    Message grant = make_message(MessageType::vote_response, 2, 1, 3);
    leader.step(grant);
    REQUIRE(leader.role() == Role::leader);
    Ready ready = leader.ready(); // persists the no-op at index 3
    leader.advance(ready);
    // Node 2 acknowledges up to index 2 (old term) only.
    Message ack = make_message(MessageType::append_response, 2, 1, 3);
    ack.index = Index{2};
    leader.step(ack);
    REQUIRE(leader.commit_index() == Index{0});
    ack.index = Index{3};
    leader.step(ack);
    REQUIRE(leader.commit_index() == Index{3});
}

TEST_CASE("a pre-vote does not raise anyone's term", "[raft][9.6]")
{
    // Goal: a partitioned node keeps campaigning without inflating terms, and
    // rejoins without deposing the leader.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    Term term = cluster.node(leader).term();
    NodeId lonely = NodeId{leader.value % 3 + 1};
    cluster.isolate(lonely);
    cluster.tick_all(100);
    REQUIRE(cluster.node(lonely).term() == term);
    cluster.heal();
    cluster.tick_all(30);
    REQUIRE(cluster.current_leader() == leader);
    REQUIRE(cluster.node(leader).term() == term);
}

TEST_CASE("a leader without a majority steps down after an election timeout", "[raft][6.2]")
{
    // Goal: check-quorum: a leader that has not heard from a majority stops leading.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    cluster.isolate(leader);
    cluster.tick_all(25);
    REQUIRE(cluster.node(leader).role() != Role::leader);
}

TEST_CASE("voters ignore a candidate while their leader is alive", "[raft][6]")
{
    // Goal: with check-quorum, a vote request in a healthy term is refused as "leader alive".
    Harness cluster(3);
    NodeId leader = cluster.elect();
    NodeId follower = NodeId{leader.value % 3 + 1};
    Term term = cluster.node(follower).term();
    Message vote = make_message(MessageType::vote, 99, follower.value, term.value + 5);
    vote.index = Index{100};
    vote.log_term = Term{100};
    cluster.node(follower).step(vote);
    REQUIRE(cluster.node(follower).term() == term);
    std::vector<Message> out = drain(cluster.node(follower));
    REQUIRE(out.back().refusal == VoteRefusal::leader_alive);
}

TEST_CASE("proposals made together travel in one append per follower", "[raft][batching]")
{
    // Goal: batching: 50 proposals before one Ready make one append per follower.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    cluster.sent().clear();
    for (int i = 0; i < 50; ++i) {
        REQUIRE(cluster.node(leader).propose("move 0 1").ok());
    }
    cluster.process_readies();
    std::size_t appends = 0;
    for (const Message& message : cluster.sent()) {
        if (message.type == MessageType::append && message.from == leader) {
            ++appends;
            REQUIRE(message.entries.size() == 50);
        }
    }
    REQUIRE(appends == 2);
}

TEST_CASE("a leader stops sending when a follower's inflight window is full", "[raft][pipelining]")
{
    // Goal: with no answers, at most inflight_messages_max appends are outstanding.
    Harness cluster(3, [](Config& config) {
        config.inflight_messages_max = 4;
        config.entries_per_message_max = 1;
    });
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    NodeId follower = NodeId{leader.value % 3 + 1};
    cluster.cut(leader, follower);
    cluster.sent().clear();
    for (int i = 0; i < 20; ++i) {
        REQUIRE(cluster.node(leader).propose("step").ok());
    }
    cluster.stabilize();
    std::size_t appends = 0;
    for (const Message& message : cluster.sent()) {
        appends += message.type == MessageType::append && message.to == follower
                   && !message.entries.empty();
    }
    REQUIRE(appends == 4);
}

TEST_CASE("a diverged follower is repaired in few round trips", "[raft][5.3]")
{
    // Goal: fast backtracking skips a whole conflicting term per round trip.
    Harness cluster(3, [](Config& config) { config.check_quorum = false; });
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    // The old leader, isolated, appends 100 entries that will never commit.
    cluster.isolate(leader);
    for (int i = 0; i < 100; ++i) {
        REQUIRE(cluster.node(leader).propose("lost").ok());
    }
    cluster.stabilize();
    cluster.heal();
    NodeId old_leader = leader;
    for (std::uint64_t id = 1; id <= 3; ++id) {
        if (NodeId{id} != old_leader) {
            cluster.cut(old_leader, NodeId{id});
        }
    }
    // The other two elect a new leader and commit 100 entries of their own.
    NodeId new_leader = k_no_node;
    for (int i = 0; i < 200 && new_leader == k_no_node; ++i) {
        cluster.tick_all();
        for (std::uint64_t id = 1; id <= 3; ++id) {
            if (NodeId{id} != old_leader && cluster.node(id).role() == Role::leader) {
                new_leader = NodeId{id};
            }
        }
    }
    REQUIRE(new_leader != k_no_node);
    for (int i = 0; i < 100; ++i) {
        REQUIRE(cluster.node(new_leader).propose("kept").ok());
    }
    cluster.stabilize();
    cluster.heal();
    cluster.sent().clear();
    cluster.tick_all(5);
    std::size_t rejections = 0;
    for (const Message& message : cluster.sent()) {
        rejections += message.type == MessageType::append_response && message.reject
                      && message.from == old_leader;
    }
    REQUIRE(rejections <= 3);
    REQUIRE(cluster.node(old_leader).last_index() == cluster.node(new_leader).last_index());
    REQUIRE(cluster.node(old_leader).commit_index() == cluster.node(new_leader).commit_index());
}

TEST_CASE("a follower behind the compaction point catches up by snapshot chunks", "[raft][7]")
{
    // Goal: InstallSnapshot in several chunks brings a lagging follower up to date.
    Harness cluster(3, [](Config& config) { config.snapshot_chunk_bytes = 7; });
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    NodeId lagging = NodeId{leader.value % 3 + 1};
    cluster.isolate(lagging);
    for (int i = 0; i < 30; ++i) {
        REQUIRE(cluster.node(leader).propose("move 1 1").ok());
    }
    cluster.stabilize();
    RaftNode& leader_node = cluster.node(leader);
    REQUIRE(leader_node.applied_index() == leader_node.last_index());
    leader_node.compact(leader_node.applied_index(), "escort state at this point, 40 bytes.");
    cluster.heal();
    cluster.sent().clear();
    cluster.tick_all(40);
    std::size_t chunks = 0;
    for (const Message& message : cluster.sent()) {
        chunks += message.type == MessageType::snapshot;
    }
    REQUIRE(chunks >= 6);
    REQUIRE(cluster.durable(lagging.value).snapshot.has_value());
    REQUIRE(cluster.durable(lagging.value).snapshot->data
            == "escort state at this point, 40 bytes.");
    REQUIRE(cluster.node(lagging).commit_index() == leader_node.commit_index());
}

TEST_CASE("a learner is added, promoted once caught up, and a removed leader steps down",
          "[raft][6]")
{
    // Goal: single-server membership changes: learner -> voter, then removal of the leader.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    cluster.start(NodeId{4}, ConfState{});
    auto added = cluster.node(leader).propose_conf_change(
        ConfChange{ConfChangeType::add_learner, NodeId{4}, "127.0.0.14:5000"});
    REQUIRE(added.ok());
    // A second change is refused while the first is in flight.
    REQUIRE_FALSE(cluster.node(leader)
                      .propose_conf_change(ConfChange{ConfChangeType::remove_node, NodeId{2}, ""})
                      .ok());
    cluster.tick_all(10);
    REQUIRE(cluster.node(leader).conf().voters.count(NodeId{4}) == 1);
    REQUIRE(cluster.node(4).conf().voters.size() == 4);

    auto removed = cluster.node(leader).propose_conf_change(
        ConfChange{ConfChangeType::remove_node, leader, ""});
    REQUIRE(removed.ok());
    cluster.tick_all(3);
    REQUIRE(cluster.node(leader).role() != Role::leader);
    NodeId next_leader = k_no_node;
    for (int i = 0; i < 100 && next_leader == k_no_node; ++i) {
        cluster.tick_all();
        NodeId current = cluster.current_leader();
        if (current != k_no_node && current != leader) {
            next_leader = current;
        }
    }
    REQUIRE(next_leader != k_no_node);
    REQUIRE(cluster.node(next_leader).conf().voters.count(leader) == 0);
}

TEST_CASE("leadership moves to a chosen voter with TimeoutNow", "[raft][3.10]")
{
    // Goal: transfer_leadership makes the target leader at once, in the next term.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    NodeId target = NodeId{leader.value % 3 + 1};
    Term term = cluster.node(leader).term();
    REQUIRE(cluster.node(leader).transfer_leadership(target).ok());
    cluster.stabilize();
    REQUIRE(cluster.node(target).role() == Role::leader);
    REQUIRE(cluster.node(target).term() == next(term));
}

TEST_CASE("a read index is answered only after a quorum confirms leadership", "[raft][8]")
{
    // Goal: ReadIndex returns the commit index once a majority acknowledged a heartbeat.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    for (std::uint64_t id = 1; id <= 3; ++id) {
        if (NodeId{id} != leader) {
            cluster.cut(leader, NodeId{id});
        }
    }
    REQUIRE(cluster.node(leader).read_index(7).ok());
    cluster.stabilize();
    REQUIRE(cluster.read_states()[leader].empty());
    cluster.heal();
    REQUIRE(cluster.node(leader).read_index(8).ok());
    cluster.stabilize();
    // The later round confirms the earlier read too; answers come in order.
    REQUIRE(cluster.read_states()[leader].size() == 2);
    REQUIRE(cluster.read_states()[leader][0].request_id == 7);
    REQUIRE(cluster.read_states()[leader][1].request_id == 8);
    REQUIRE(cluster.read_states()[leader][1].index == cluster.node(leader).commit_index());
}

TEST_CASE("term and vote survive a restart", "[raft][5.1]")
{
    // Goal: a restarted node remembers its term and vote from durable state.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    cluster.tick_all(2);
    NodeId follower = NodeId{leader.value % 3 + 1};
    Term term = cluster.node(follower).term();
    NodeId vote = cluster.node(follower).voted_for();
    Index last = cluster.node(follower).last_index();
    cluster.crash(follower);
    cluster.start(follower);
    REQUIRE(cluster.node(follower).term() == term);
    REQUIRE(cluster.node(follower).voted_for() == vote);
    REQUIRE(cluster.node(follower).last_index() == last);
}

TEST_CASE("the configuration is validated", "[raft]")
{
    // Goal: settings that cannot work are refused with a reason.
    Config config;
    config.id = NodeId{1};
    config.heartbeat_ticks = 5;
    config.election_ticks = 10;
    auto status = config.validate();
    REQUIRE_FALSE(status.ok());
    REQUIRE(status.error().message.find("3 x heartbeat") != std::string::npos);
    config.election_ticks = 15;
    REQUIRE(config.validate().ok());
    config.id = k_no_node;
    REQUIRE_FALSE(config.validate().ok());
}

TEST_CASE("a follower that hears nothing for an election timeout campaigns", "[raft][5.2]")
{
    // Goal: Figure 2, followers: no AppendEntries and no vote granted -> become a candidate.
    Config config;
    config.id = NodeId{1};
    config.pre_vote = false;
    PersistedState state;
    state.initial_conf.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    RaftNode node(config, std::move(state));
    drain(node); // persists and applies the bootstrap membership
    Term before = node.term();
    for (std::uint32_t i = 0; i < 2 * config.election_ticks && node.role() == Role::follower; ++i) {
        node.tick();
    }
    REQUIRE(node.role() == Role::candidate);
    REQUIRE(node.term() == next(before));
    REQUIRE(node.voted_for() == NodeId{1});
    std::vector<Message> out = drain(node);
    std::size_t votes = 0;
    for (const Message& message : out) {
        votes += message.type == MessageType::vote && message.term == node.term();
    }
    REQUIRE(votes == 2);
}

TEST_CASE("the only voter campaigns on its first tick; others wait for a timeout", "[raft][5.2]")
{
    // Goal: a one-voter configuration (a founder, before anyone joins) has a
    // leader after one tick, while a voter among others still waits at least
    // election_ticks. Method: tick each until it leads or asks for votes.
    Config config;
    config.id = NodeId{1};
    PersistedState sole;
    sole.initial_conf.voters = {NodeId{1}};
    sole.initial_conf.learners = {NodeId{2}};
    RaftNode founder(config, std::move(sole));
    drain(founder);
    founder.tick();
    REQUIRE(founder.role() == Role::leader);

    PersistedState three;
    three.initial_conf.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    RaftNode member(config, std::move(three));
    drain(member);
    std::uint32_t ticks = 0;
    bool campaigned = false;
    while (!campaigned && ticks < 2 * config.election_ticks) {
        member.tick();
        ++ticks;
        for (const Message& message : drain(member)) {
            campaigned |=
                message.type == MessageType::pre_vote || message.type == MessageType::vote;
        }
    }
    CHECK(campaigned);
    CHECK(ticks >= config.election_ticks);
}

TEST_CASE("a candidate whose election times out starts a new one", "[raft][5.2]")
{
    // Goal: Figure 2, candidates: on election timeout, start a new election in a new term.
    Config config;
    config.id = NodeId{1};
    config.pre_vote = false;
    PersistedState state;
    state.initial_conf.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    RaftNode node(config, std::move(state));
    drain(node);
    node.campaign();
    Term first = node.term();
    for (std::uint32_t i = 0; i < 2 * config.election_ticks && node.term() == first; ++i) {
        node.tick();
    }
    REQUIRE(node.role() == Role::candidate);
    REQUIRE(node.term() == next(first));
}

TEST_CASE("granting a vote resets the election timer", "[raft][5.2]")
{
    // Goal: a follower that just voted does not start its own election right away.
    Config config;
    config.id = NodeId{1};
    config.pre_vote = false;
    PersistedState state;
    state.snapshot = Snapshot{};
    state.snapshot->metadata.conf.voters = {NodeId{1}, NodeId{2}, NodeId{3}};
    RaftNode node(config, std::move(state));
    for (std::uint32_t i = 0; i + 1 < config.election_ticks; ++i) {
        node.tick();
    }
    Message vote = make_message(MessageType::vote, 2, 1, 1);
    node.step(vote);
    REQUIRE(node.voted_for() == NodeId{2});
    for (std::uint32_t i = 0; i + 1 < config.election_ticks; ++i) {
        node.tick();
    }
    REQUIRE(node.role() == Role::follower);
}

TEST_CASE("a vote request from an older term is refused", "[raft][5.1]")
{
    // Goal: Figure 2, RequestVote receiver rule 1: reply false if term < currentTerm.
    RaftNode node = make_follower(1, 5, {});
    Message vote = make_message(MessageType::vote, 2, 1, 4);
    node.step(vote);
    std::vector<Message> out = drain(node);
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].reject);
    REQUIRE(out[0].refusal == VoteRefusal::lower_term);
    REQUIRE(out[0].term == Term{5});
    REQUIRE(node.voted_for() == k_no_node);
}

TEST_CASE("a granted vote goes out in the same Ready that persists it", "[raft][5.1]")
{
    // Goal: Figure 2, persistent state: votedFor is on stable storage before the
    // response leaves, so the runtime's persist-then-send order makes it durable.
    RaftNode node = make_follower(1, 1, {});
    Message vote = make_message(MessageType::vote, 2, 1, 2);
    node.step(vote);
    Ready ready = node.ready();
    REQUIRE(ready.hard_state.has_value());
    REQUIRE(ready.hard_state->voted_for == NodeId{2});
    REQUIRE(ready.hard_state->term == Term{2});
    REQUIRE(ready.messages.size() == 1);
    REQUIRE_FALSE(ready.messages[0].reject);
    node.advance(ready);
}

TEST_CASE("an append acknowledgement goes out with the entries it acknowledges", "[raft][5.3]")
{
    // Goal: the follower's success reply is in the Ready whose entries it promises are durable.
    RaftNode node = make_follower(1, 1, {});
    Message append = make_message(MessageType::append, 2, 1, 1);
    append.entries = {make_entry(1, 1), make_entry(1, 2)};
    node.step(append);
    Ready ready = node.ready();
    REQUIRE(ready.entries.size() == 2);
    REQUIRE(ready.messages.size() == 1);
    REQUIRE(ready.messages[0].index == Index{2});
    node.advance(ready);
    REQUIRE_FALSE(node.has_ready());
}

TEST_CASE("a new leader sends heartbeats at once and on every heartbeat tick", "[raft][5.2]")
{
    // Goal: Figure 2, leaders: upon election send initial empty AppendEntries, repeat when idle.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    cluster.sent().clear();
    cluster.tick_all(1);
    std::size_t heartbeats = 0;
    for (const Message& message : cluster.sent()) {
        heartbeats += message.type == MessageType::heartbeat && message.from == leader;
    }
    REQUIRE(heartbeats == 2);
}

TEST_CASE("a leader counts itself only for entries it has persisted", "[raft][5.3]")
{
    // Goal: the leader's own acknowledgement waits for its fsync, like a follower's.
    Config config;
    config.id = NodeId{1};
    PersistedState state;
    state.initial_conf.voters = {NodeId{1}};
    RaftNode node(config, std::move(state));
    node.advance(node.ready());
    node.campaign();
    REQUIRE(node.role() == Role::leader);
    auto position = node.propose("move 1 0");
    REQUIRE(position.ok());
    // Not yet persisted: a single-node cluster must not commit it.
    REQUIRE(node.commit_index() < position.value().index);
    Ready ready = node.ready();
    REQUIRE_FALSE(ready.entries.empty());
    node.advance(ready);
    REQUIRE(node.commit_index() == position.value().index);
}

TEST_CASE("a leader's appends may leave before its own write; nothing else may", "[raft][10.2.1]")
{
    // Goal: early_messages holds exactly the messages that promise nothing
    // about the Ready's writes: a settled leader's appends. Votes, acks and
    // the appends of a leader whose term is not yet durable wait.
    SECTION("a settled leader replicates while it writes")
    {
        Harness cluster(3);
        NodeId leader = cluster.elect();
        cluster.tick_all(2);
        RaftNode& node = cluster.node(leader);
        REQUIRE(node.propose("move").ok());
        Ready ready = node.ready();
        REQUIRE(ready.entries.size() == 1);
        REQUIRE(ready.early_messages.size() == 2);
        for (const Message& message : ready.early_messages) {
            CHECK(message.type == MessageType::append);
            REQUIRE(message.entries.size() == 1);
            CHECK(message.entries[0].index == ready.entries[0].index);
        }
        for (const Message& message : ready.messages) {
            CHECK(message.type != MessageType::append);
        }
        // Its own entry counts towards commit only after advance().
        CHECK(node.progress().at(leader).match_index < ready.entries[0].index);
        node.advance(ready);
        CHECK(node.progress().at(leader).match_index == ready.entries[0].index);
    }
    SECTION("a follower's acknowledgement and a candidate's votes wait for the write")
    {
        RaftNode follower = make_follower(1, 1, {});
        Message append = make_message(MessageType::append, 2, 1, 1);
        append.entries = {make_entry(1, 1)};
        follower.step(append);
        Ready acked = follower.ready();
        CHECK(acked.early_messages.empty());
        REQUIRE(acked.messages.size() == 1);
        CHECK(acked.messages[0].type == MessageType::append_response);
        follower.advance(acked);

        RaftNode candidate = make_follower(1, 1, {});
        candidate.campaign();
        Ready pre_votes = candidate.ready();
        CHECK(pre_votes.early_messages.empty());
        CHECK(pre_votes.messages.size() == 2);
    }
    SECTION("a lone voter that wins in this Ready sends its first appends after the write")
    {
        Config config;
        config.id = NodeId{1};
        PersistedState state;
        Snapshot membership;
        membership.metadata.conf.voters.insert(NodeId{1});
        membership.metadata.conf.learners.insert(NodeId{2});
        state.hard_state.term = Term{1};
        state.snapshot = membership;
        RaftNode node(config, std::move(state));
        node.campaign();
        REQUIRE(node.role() == Role::leader);
        Ready ready = node.ready();
        REQUIRE(ready.hard_state.has_value());
        CHECK(ready.hard_state->term == Term{2});
        // A crash before the fsync could let it win term 2 again with
        // another entry at the same index: the learner must not have it yet.
        CHECK(ready.early_messages.empty());
        bool append_to_learner = false;
        for (const Message& message : ready.messages) {
            append_to_learner |= message.type == MessageType::append && message.to == NodeId{2};
        }
        CHECK(append_to_learner);
    }
}

namespace {

/// Ticks after a crash of the leader until another node leads, at most `ticks_max`.
std::size_t ticks_to_new_leader(Harness& cluster, NodeId old_leader, std::size_t ticks_max)
{
    for (std::size_t ticks = 1; ticks <= ticks_max; ++ticks) {
        cluster.tick_all();
        NodeId leader = cluster.current_leader();
        if (leader != k_no_node && leader != old_leader) {
            return ticks;
        }
    }
    return ticks_max + 1;
}

/// Three voters with a leader elected, and its two followers.
struct ElectedTrio {
    Harness cluster{3};
    NodeId leader = cluster.elect();
    NodeId follower = NodeId{leader.value % 3 + 1};
    NodeId other = NodeId{follower.value % 3 + 1};
};

} // namespace

TEST_CASE("followers told their leader is gone elect another before an election timeout",
          "[raft][leader-gone]")
{
    // Goal: the runtime's hint (a refused connect) replaces the wait for the
    // election timeout; without it, a follower neither campaigns nor grants a
    // pre-vote (check-quorum's lease) until a whole timeout has passed.
    const bool hinted = GENERATE(false, true);
    Harness cluster(5);
    NodeId leader = cluster.elect();
    REQUIRE(leader != k_no_node);
    cluster.tick_all(3); // every follower has heard a heartbeat
    cluster.crash(leader);
    if (hinted) {
        for (std::uint64_t id = 1; id <= 5; ++id) {
            if (NodeId{id} != leader) {
                cluster.node(id).leader_gone(leader);
                REQUIRE(cluster.node(id).leader() == k_no_node);
                REQUIRE(cluster.node(id).role() == Role::follower);
            }
        }
    }
    const std::uint32_t election_ticks = cluster.config_for(leader).election_ticks;
    const std::size_t ticks = ticks_to_new_leader(cluster, leader, 4 * election_ticks);
    if (hinted) {
        CHECK(ticks <= election_ticks);
    } else {
        CHECK(ticks > election_ticks);
        CHECK(ticks <= 4 * election_ticks);
    }
}

TEST_CASE("a hint about a leader that is still heard changes nothing for long",
          "[raft][leader-gone]")
{
    // Goal: a wrong hint is safe and brief. The follower forgets the leader
    // until its next heartbeat, which restores the full timeout; a hint about
    // another node than its leader, or to a leader, is ignored.
    ElectedTrio trio;
    REQUIRE(trio.leader != k_no_node);
    Harness& cluster = trio.cluster;
    const NodeId leader = trio.leader;
    const NodeId follower = trio.follower;
    const Term term = cluster.node(leader).term();

    cluster.node(follower).leader_gone(trio.other);
    CHECK(cluster.node(follower).leader() == leader);
    cluster.node(leader).leader_gone(leader);
    CHECK(cluster.node(leader).role() == Role::leader);

    cluster.node(follower).leader_gone(leader);
    CHECK(cluster.node(follower).leader() == k_no_node);
    cluster.tick_all(1); // the leader's heartbeat (heartbeat_ticks = 1)
    CHECK(cluster.node(follower).leader() == leader);
    cluster.tick_all(40);
    CHECK(cluster.current_leader() == leader);
    CHECK(cluster.node(leader).term() == term);
}

TEST_CASE("a follower told its leader is gone grants a pre-vote it refused before",
          "[raft][leader-gone]")
{
    // Goal: forgetting the leader ends check-quorum's lease at once, so the
    // first follower to campaign can win without waiting for the others' timeouts.
    ElectedTrio trio;
    REQUIRE(trio.leader != k_no_node);
    RaftNode& voter = trio.cluster.node(trio.follower);
    trio.cluster.stabilize();
    drain(voter);
    Message pre_vote = make_message(MessageType::pre_vote, trio.other.value, trio.follower.value,
                                    voter.term().value + 1);
    pre_vote.index = voter.last_index();
    pre_vote.log_term = *voter.term_at(voter.last_index());

    voter.step(pre_vote);
    std::vector<Message> refused = drain(voter);
    REQUIRE_FALSE(refused.empty());
    CHECK(refused.back().type == MessageType::pre_vote_response);
    CHECK(refused.back().reject);
    CHECK(refused.back().refusal == VoteRefusal::leader_alive);

    voter.leader_gone(trio.leader);
    voter.step(pre_vote);
    std::vector<Message> granted = drain(voter);
    REQUIRE_FALSE(granted.empty());
    CHECK(granted.back().type == MessageType::pre_vote_response);
    CHECK_FALSE(granted.back().reject);
}

TEST_CASE("set_timing changes when a follower campaigns, and keeps the 3x rule", "[raft][timing]")
{
    // Goal: slow motion really slows elections (a follower waits at least the
    // new election timeout) and a timing against the 3x rule changes nothing.
    RaftNode node = make_follower(1, 1, {});
    CHECK_FALSE(node.set_timing(10, 29).ok());
    CHECK(node.heartbeat_ticks() == 1);
    CHECK(node.election_ticks() == 10);
    REQUIRE(node.set_timing(10, 40).ok());
    CHECK(node.heartbeat_ticks() == 10);
    CHECK(node.election_ticks() == 40);
    CHECK(node.randomized_election_ticks() >= 40);
    CHECK(node.randomized_election_ticks() < 80);
    // The old timeout (10 to 19 ticks) passes with nothing happening.
    for (int i = 0; i < 39; ++i) {
        node.tick();
    }
    CHECK(node.role() == Role::follower);
    for (int i = 0; i < 41; ++i) {
        node.tick();
    }
    CHECK(node.role() == Role::pre_candidate);
}

TEST_CASE("switching pre-vote off sends a pre-candidate back to following", "[raft][protocol]")
{
    // Goal: a pre-candidate whose pre-vote is switched off abandons that
    // campaign at its term, and its next campaign is a real election.
    RaftNode node = make_follower(1, 3, {});
    node.campaign();
    REQUIRE(node.role() == Role::pre_candidate);
    drain(node);
    node.set_protocol(false, true);
    CHECK_FALSE(node.pre_vote());
    CHECK(node.check_quorum());
    CHECK(node.role() == Role::follower);
    CHECK(node.term() == Term{3});
    CHECK(node.leader() == k_no_node);
    // A late grant of the abandoned pre-vote changes nothing.
    Message grant = make_message(MessageType::pre_vote_response, 2, 1, 4);
    node.step(grant);
    CHECK(node.role() == Role::follower);
    CHECK(node.term() == Term{3});
    node.campaign();
    CHECK(node.role() == Role::candidate);
    CHECK(node.term() == Term{4});
    std::vector<Message> out = drain(node);
    REQUIRE_FALSE(out.empty());
    for (const Message& message : out) {
        CHECK(message.type == MessageType::vote);
    }
}

TEST_CASE("switching pre-vote on makes the next campaign a pre-vote", "[raft][protocol]")
{
    // Goal: a node started without pre-vote campaigns in two phases once it
    // is switched on, and a candidate already in its election keeps it.
    RaftNode node = make_follower(1, 3, {});
    node.set_protocol(false, true);
    node.campaign();
    REQUIRE(node.role() == Role::candidate);
    REQUIRE(node.term() == Term{4});
    node.set_protocol(true, true);
    CHECK(node.role() == Role::candidate);
    CHECK(node.term() == Term{4});
    drain(node);
    node.campaign();
    CHECK(node.role() == Role::pre_candidate);
    CHECK(node.term() == Term{4});
    std::vector<Message> out = drain(node);
    REQUIRE_FALSE(out.empty());
    for (const Message& message : out) {
        CHECK(message.type == MessageType::pre_vote);
        CHECK(message.term == Term{5});
    }
}

TEST_CASE("switching check-quorum on gives a leader a fresh election timeout", "[raft][protocol]")
{
    // Goal: a leader cut off while check-quorum was off is not deposed at
    // once when it is switched on, nor kept by activity recorded before:
    // it steps down after exactly one election timeout of silence.
    Harness cluster(3, [](Config& config) { config.check_quorum = false; });
    NodeId leader = cluster.elect();
    Term term = cluster.node(leader).term();
    cluster.isolate(leader);
    cluster.tick_all(35);
    REQUIRE(cluster.node(leader).role() == Role::leader);
    cluster.node(leader).set_protocol(true, true);
    CHECK(cluster.node(leader).check_quorum());
    cluster.tick_all(9);
    CHECK(cluster.node(leader).role() == Role::leader);
    cluster.tick_all(1);
    CHECK(cluster.node(leader).role() == Role::follower);
    CHECK(cluster.node(leader).term() == term);
}

TEST_CASE("a leader that hears its followers stays once check-quorum is on", "[raft][protocol]")
{
    // Goal: switching check-quorum on at a healthy leader changes nothing.
    Harness cluster(3, [](Config& config) { config.check_quorum = false; });
    NodeId leader = cluster.elect();
    Term term = cluster.node(leader).term();
    cluster.tick_all(7);
    for (std::uint64_t id = 1; id <= 3; ++id) {
        cluster.node(id).set_protocol(true, true);
    }
    cluster.tick_all(60);
    CHECK(cluster.current_leader() == leader);
    CHECK(cluster.node(leader).term() == term);
}

TEST_CASE("switching check-quorum at a voter switches its leader lease", "[raft][protocol]")
{
    // Goal: with check-quorum off a voter follows a higher-term candidate
    // although its leader is alive; switched on again, it refuses.
    Harness cluster(3);
    NodeId leader = cluster.elect();
    NodeId follower = NodeId{leader.value % 3 + 1};
    Term term = cluster.node(follower).term();
    Message vote = make_message(MessageType::vote, 99, follower.value, term.value + 5);
    vote.index = Index{100};
    vote.log_term = Term{100};

    cluster.node(follower).set_protocol(true, false);
    cluster.node(follower).step(vote);
    CHECK(cluster.node(follower).term() == Term{term.value + 5});
    std::vector<Message> out = drain(cluster.node(follower));
    REQUIRE_FALSE(out.empty());
    CHECK(out.back().type == MessageType::vote_response);
    CHECK_FALSE(out.back().reject);

    // The higher term deposes the leader; with the lease back on, a voter
    // of the next leader refuses the same kind of candidate.
    cluster.node(follower).set_protocol(true, true);
    NodeId current = cluster.elect();
    REQUIRE(current != k_no_node);
    NodeId voter = NodeId{current.value % 3 + 1};
    Term voter_term = cluster.node(voter).term();
    vote.to = voter;
    vote.term = Term{voter_term.value + 5};
    cluster.node(voter).set_protocol(true, true);
    cluster.node(voter).step(vote);
    CHECK(cluster.node(voter).term() == voter_term);
    out = drain(cluster.node(voter));
    REQUIRE_FALSE(out.empty());
    CHECK(out.back().refusal == VoteRefusal::leader_alive);
}

TEST_CASE("a cut-off node inflates its term only with pre-vote off", "[raft][protocol][9.6]")
{
    // Goal: the lesson's effect in miniature. With both switches off, an
    // isolated follower's term climbs and, healed, it deposes the leader;
    // switched back on, the next isolation leaves every term alone.
    Harness cluster(3);
    for (std::uint64_t id = 1; id <= 3; ++id) {
        cluster.node(id).set_protocol(false, false);
    }
    NodeId leader = cluster.elect();
    Term term = cluster.node(leader).term();
    NodeId lonely = NodeId{leader.value % 3 + 1};
    cluster.isolate(lonely);
    cluster.tick_all(100);
    CHECK(cluster.node(lonely).term().value >= term.value + 3);
    cluster.heal();
    cluster.tick_all(60);
    NodeId after = cluster.elect();
    CHECK(cluster.node(after).term() >= cluster.node(lonely).term());
    CHECK(cluster.node(after).term().value >= term.value + 3);

    for (std::uint64_t id = 1; id <= 3; ++id) {
        cluster.node(id).set_protocol(true, true);
    }
    leader = cluster.elect();
    term = cluster.node(leader).term();
    lonely = NodeId{leader.value % 3 + 1};
    cluster.isolate(lonely);
    cluster.tick_all(100);
    CHECK(cluster.node(lonely).term() == term);
    cluster.heal();
    cluster.tick_all(30);
    CHECK(cluster.current_leader() == leader);
    CHECK(cluster.node(leader).term() == term);
}

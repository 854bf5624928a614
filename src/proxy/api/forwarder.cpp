#include "proxy/api/forwarder.hpp"

#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/json_body.hpp>
#include <raftescort/util/assert.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// A node does not get a second connection attempt within this long, so a
/// dead leader that the view still shows is skipped for a live node's hint.
constexpr std::int64_t k_failed_address_quarantine_ms = 200;

struct Target {
    std::uint64_t id = 0;
    std::string address;
    /// The term the target is believed to lead; 0 when it is not believed
    /// to lead (a follower asked for a hint).
    std::uint64_t term = 0;
};

/// The node to try next: the view's leader unless it just failed, else any
/// other reachable node (a follower answers 421 naming the leader it knows).
std::optional<Target> choose_target(const ClusterSnapshot& snapshot,
                                    const std::map<std::string, std::int64_t>& failed_at_ms,
                                    std::int64_t now_ms, int attempt)
{
    auto usable = [&](const NodeView& node) {
        auto failed = failed_at_ms.find(node.name);
        return failed == failed_at_ms.end()
               || now_ms - failed->second >= k_failed_address_quarantine_ms;
    };
    const NodeView* leader = snapshot.leader_view();
    if (leader != nullptr && usable(*leader)) {
        return Target{leader->id, leader->name, leader->term};
    }
    std::vector<const NodeView*> others;
    for (const NodeView& node : snapshot.nodes) {
        if (node.reachable && usable(node)) {
            others.push_back(&node);
        }
    }
    if (others.empty()) {
        return std::nullopt;
    }
    const NodeView* chosen = others[static_cast<std::size_t>(attempt) % others.size()];
    return Target{chosen->id, chosen->name};
}

/// The leader a 421 answer names, if it names one.
std::optional<Target> leader_hint(const json& body)
{
    if (!body.is_object()) {
        return std::nullopt;
    }
    auto leader = body.find("leader");
    auto leader_name = body.find("leader_name");
    if (leader == body.end() || !leader->is_number_unsigned() || leader_name == body.end()
        || !leader_name->is_string()) {
        return std::nullopt;
    }
    if (leader->get<std::uint64_t>() == 0 || leader_name->get<std::string>().empty()) {
        return std::nullopt;
    }
    auto term = body.find("term");
    std::uint64_t hinted_term =
        term != body.end() && term->is_number_unsigned() ? term->get<std::uint64_t>() : 0;
    return Target{leader->get<std::uint64_t>(), leader_name->get<std::string>(), hinted_term};
}

/// The body sent to `target`: a proposal carries the term the proxy believes
/// the target leads as a fencing token, so a node that no longer leads in
/// that term proposes nothing and names the current leader instead.
std::string body_for(const ForwardRequest& request, const Target& target)
{
    if (!request.fence_with_term || target.term == 0 || !request.body.is_object()) {
        return request.body.dump();
    }
    json fenced = request.body;
    fenced["term"] = target.term;
    return fenced.dump();
}

std::string error_text(const json& body, int status)
{
    if (body.is_object() && body.contains("error") && body["error"].is_string()) {
        return body["error"].get<std::string>();
    }
    return "HTTP " + std::to_string(status);
}

/// One forwarded request across its attempts.
struct ForwardState {
    ForwardState(const ForwardRequest& forwarded, std::int64_t deadline)
        : request(forwarded), deadline_ms(deadline)
    { }

    const ForwardRequest& request;
    const std::int64_t deadline_ms;
    ForwardResult result;
    /// Why the latest attempt did not succeed, for the final 503.
    std::string reason = "no leader is known";
    /// Addresses that failed recently, and when.
    std::map<std::string, std::int64_t> failed_at_ms;
    /// The leader a follower named, tried next.
    std::optional<Target> hinted;

    bool quarantined(const Target& target, std::int64_t now_ms) const
    {
        auto failed = failed_at_ms.find(target.address);
        return failed != failed_at_ms.end()
               && now_ms - failed->second < k_failed_address_quarantine_ms;
    }
};

/// What the forward loop does after an attempt.
enum class Step : std::uint8_t {
    /// state.result is the answer.
    finished,
    /// Try again at once (a hint to follow, another node to ask).
    next,
    /// Try again after a pause (an election or a view refresh is needed).
    pause_then_next,
};

/// An attempt that got no HTTP answer.
Step handle_silence(ForwardState& state, const Target& target, httplib::Error error)
{
    state.failed_at_ms[target.address] = transport::monotonic_ms();
    std::string what = "did not answer (" + httplib::to_string(error) + ")";
    if (error == httplib::Error::Connection) {
        what = "refused the connection";
    } else if (error == httplib::Error::Read) {
        // A leader holds a proposal until it commits: a read that runs out
        // of time usually means it cannot reach a majority.
        what = "did not answer in time (no quorum?)";
    }
    state.reason = "node " + std::to_string(target.id) + " at " + target.address + " " + what;
    // A refused connection proves nothing was sent; anything later may have
    // reached the node and been committed.
    if (error != httplib::Error::Connection && state.request.retry == RetryPolicy::unsent_only) {
        state.result.message = state.reason + "; the outcome is unknown";
        return Step::finished;
    }
    return Step::next;
}

/// An attempt that a node answered.
Step handle_answer(ForwardState& state, const Target& target, const httplib::Response& answer)
{
    ForwardResult& result = state.result;
    result.node = target.id;
    result.node_name = target.address;
    // An answer that is not JSON has no body; the status alone decides.
    util::Result<json> body = transport::parse_answer_json(answer.body);
    result.body = body ? std::move(body.value()) : json(nullptr);
    const std::string node = "node " + std::to_string(target.id);
    switch (answer.status) {
    case 200:
        result.status = 200;
        result.message.clear();
        return Step::finished;
    case 421: {
        state.reason = node + " is not the leader";
        std::optional<Target> hint = leader_hint(result.body);
        if (!hint) {
            state.reason += " and knows no leader";
            return Step::pause_then_next;
        }
        if (hint->id != target.id && !state.quarantined(*hint, transport::monotonic_ms())) {
            state.hinted = hint;
            return Step::next;
        }
        if (hint->id == target.id && hint->term != target.term && hint->term != 0) {
            // Fenced out: the node leads, but in another term than we sent.
            state.hinted = hint;
            return Step::next;
        }
        state.reason += "; it names node " + std::to_string(hint->id) + " at " + hint->address;
        return Step::pause_then_next;
    }
    case 503:
        state.reason = node + ": " + error_text(result.body, answer.status);
        if (state.request.retry == RetryPolicy::unsent_only) {
            result.message = state.reason;
            return Step::finished;
        }
        state.failed_at_ms[target.address] = transport::monotonic_ms();
        return Step::pause_then_next;
    case 404:
        result.status = 501;
        result.message = "the leader (" + node + ") does not offer POST " + state.request.path
                         + ": is it an older version?";
        return Step::finished;
    default:
        // A definitive refusal (bad input, conflict, forbidden): the node's word.
        result.status = answer.status;
        result.message = error_text(result.body, answer.status);
        return Step::finished;
    }
}

} // namespace

Forwarder::Forwarder(ClusterView& view, ClientPool& pool, ForwarderOptions options)
    : m_view(view), m_pool(pool), m_options(options)
{
    RE_ASSERT(m_options.request_timeout_ms > 0);
    RE_ASSERT(m_options.no_leader_pause_ms > 0);
}

ForwardResult Forwarder::forward(const ForwardRequest& request)
{
    const std::int64_t timeout_ms =
        request.timeout_ms > 0 ? request.timeout_ms : m_options.request_timeout_ms;
    ForwardState state(request, transport::monotonic_ms() + timeout_ms);
    Step step = Step::next;
    while (step != Step::finished) {
        if (step == Step::pause_then_next) {
            // Waiting for an election (or a view refresh) to make progress.
            std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<std::int64_t>(
                state.deadline_ms - transport::monotonic_ms(), 0, m_options.no_leader_pause_ms)));
        }
        const std::int64_t now_ms = transport::monotonic_ms();
        const std::int64_t remaining_ms = state.deadline_ms - now_ms;
        if (remaining_ms <= 0) {
            state.result.status = 503;
            state.result.message = "no answer from a leader within " + std::to_string(timeout_ms)
                                   + " ms: " + state.reason;
            spdlog::debug("POST {} gave up after {} attempts: {}", request.path,
                          state.result.attempts, state.result.message);
            break;
        }
        if (m_pool.stopping()) {
            state.result.message = "the proxy is stopping; " + state.reason;
            break;
        }
        std::optional<Target> target = std::exchange(state.hinted, std::nullopt);
        if (!target) {
            target = choose_target(*m_view.snapshot(), state.failed_at_ms, now_ms,
                                   state.result.attempts);
        }
        if (!target) {
            step = Step::pause_then_next;
            continue;
        }
        ClientLease client = m_pool.lease(target->address);
        if (!client) {
            state.failed_at_ms[target->address] = now_ms;
            state.reason = "node " + std::to_string(target->id) + " has no usable address \""
                           + target->address + "\"";
            step = Step::pause_then_next;
            continue;
        }
        ++state.result.attempts;
        // The node answers a proposal only after commit (or 503 after its
        // own commit timeout), so the read may take the whole budget left.
        client->set_read_timeout(std::chrono::milliseconds(remaining_ms));
        httplib::Result answer =
            client->Post(request.path, body_for(request, *target), "application/json");
        step = answer ? handle_answer(state, *target, *answer)
                      : handle_silence(state, *target, answer.error());
    }
    RE_ASSERT(state.result.status != 200 || state.result.node != 0);
    return state.result;
}

} // namespace raftescort::proxy

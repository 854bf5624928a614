#include "proxy/view/node_faults.hpp"

#include <raftescort/util/assert.hpp>

#include <cstdint>
#include <string>

namespace raftescort::proxy {

namespace {

using nlohmann::json;

/// No duration a node reports is longer than a day (faults last at most an
/// hour): a larger number is a broken node, not a value to pass on.
constexpr std::int64_t k_duration_ms_max = 86'400'000;

const char* const k_duration_fields[] = {"for_ms", "since_ms", "remaining_ms", "delay_ms",
                                         "jitter_ms"};
const char* const k_text_fields[] = {"description", "by"};
const char* const k_timing_fields[] = {"heartbeat_ms", "election_timeout_ms", "step_interval_ms"};

/// A duration within [0, k_duration_ms_max], or null.
json duration_or_null(const json& value)
{
    if (value.is_number_unsigned() && value.get<std::uint64_t>() <= k_duration_ms_max) {
        return value.get<std::uint64_t>();
    }
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0
        && value.get<std::int64_t>() <= k_duration_ms_max) {
        return value.get<std::int64_t>();
    }
    return nullptr;
}

/// A fault kind is a short lowercase word with dashes (disk-stall); the
/// dashboard puts it into class names, so nothing else gets through.
bool is_kind_word(const json& value)
{
    if (!value.is_string()) {
        return false;
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (text.empty() || text.size() > k_node_fault_kind_chars_max) {
        return false;
    }
    for (char c : text) {
        if (!((c >= 'a' && c <= 'z') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/// Printable ASCII, cut to k_node_fault_text_chars_max; others become '?'.
std::string bounded_text(const std::string& text)
{
    std::string bounded = text.substr(0, k_node_fault_text_chars_max);
    for (char& c : bounded) {
        c = (c < 0x20 || c > 0x7e) ? '?' : c;
    }
    RE_ASSERT(bounded.size() <= k_node_fault_text_chars_max);
    return bounded;
}

json peers_of(const json& value)
{
    json peers = json::array();
    for (const json& peer : value) {
        if (peers.size() == k_node_fault_peers_max) {
            break;
        }
        // Parsed JSON holds ids as unsigned, JSON built in code as signed.
        if (peer.is_number_integer() && peer.get<std::int64_t>() > 0) {
            peers.push_back(peer.get<std::int64_t>());
        }
    }
    return peers;
}

/// One reported fault, copied field by field; null when it has no kind.
json fault_of(const json& item)
{
    if (!item.is_object()) {
        return nullptr;
    }
    auto kind = item.find("kind");
    if (kind == item.end() || !is_kind_word(*kind)) {
        return nullptr;
    }
    json fault{{"kind", *kind}};
    for (const char* field : k_duration_fields) {
        auto found = item.find(field);
        if (found != item.end() && !duration_or_null(*found).is_null()) {
            fault[field] = duration_or_null(*found);
        }
    }
    for (const char* field : k_text_fields) {
        auto found = item.find(field);
        if (found != item.end() && found->is_string()) {
            fault[field] = bounded_text(found->get_ref<const std::string&>());
        }
    }
    if (auto peers = item.find("peers"); peers != item.end() && peers->is_array()) {
        fault["peers"] = peers_of(*peers);
    }
    if (auto direction = item.find("direction"); direction != item.end()) {
        if (*direction == "both" || *direction == "in" || *direction == "out") {
            fault["direction"] = *direction;
        }
    }
    if (auto rate = item.find("rate"); rate != item.end() && rate->is_number()) {
        const double value = rate->get<double>();
        if (value >= 0.0 && value <= 1.0) {
            fault["rate"] = value;
        }
    }
    return fault;
}

} // namespace

json node_faults_from_status(const json& status)
{
    json faults = json::array();
    if (!status.is_object()) {
        return faults;
    }
    auto found = status.find("faults");
    if (found == status.end() || !found->is_array()) {
        return faults;
    }
    for (const json& item : *found) {
        if (faults.size() == k_node_faults_max) {
            break;
        }
        json fault = fault_of(item);
        if (!fault.is_null()) {
            faults.push_back(std::move(fault));
        }
    }
    RE_ASSERT(faults.is_array());
    RE_ASSERT(faults.size() <= k_node_faults_max);
    return faults;
}

json node_timing_from_status(const json& status)
{
    if (!status.is_object()) {
        return nullptr;
    }
    auto found = status.find("timing");
    if (found == status.end() || !found->is_object()) {
        return nullptr;
    }
    json timing = json::object();
    for (const char* field : k_timing_fields) {
        auto value = found->find(field);
        if (value != found->end() && !duration_or_null(*value).is_null()) {
            timing[field] = duration_or_null(*value);
        }
    }
    for (const char* field : {"pre_vote", "check_quorum"}) {
        auto value = found->find(field);
        if (value != found->end() && value->is_boolean()) {
            timing[field] = value->get<bool>();
        }
    }
    return timing.empty() ? json(nullptr) : timing;
}

} // namespace raftescort::proxy

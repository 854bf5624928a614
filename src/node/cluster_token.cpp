#include "node/cluster_token.hpp"

#include <raftescort/store/secret_file.hpp>
#include <raftescort/transport/clock.hpp>
#include <raftescort/transport/secret.hpp>

#include <spdlog/spdlog.h>

namespace raftescort::node {

util::Status store_cluster_token(const NodeSettings& settings, const std::string& token)
{
    util::Status stored = store::write_cluster_token(settings.data_dir, token);
    if (!stored.ok()) {
        return util::make_error(stored.error().code, "cannot store the cluster token in data dir "
                                                         + settings.data_dir + ": "
                                                         + stored.error().message);
    }
    spdlog::info("stored the cluster token of cluster {} in {}", settings.cluster_id,
                 settings.data_dir);
    return util::Ok{};
}

util::Result<std::string> local_cluster_token(const NodeSettings& settings)
{
    util::Result<std::optional<std::string>> stored = store::read_cluster_token(settings.data_dir);
    if (!stored.ok()) {
        return util::make_error(stored.error().code, "cannot read the cluster token of data dir "
                                                         + settings.data_dir + ": "
                                                         + stored.error().message);
    }
    if (settings.cluster_token.empty()) {
        return stored.value().value_or(std::string());
    }
    if (stored.value() && *stored.value() != settings.cluster_token) {
        // The operator rotated it on purpose (every member needs the new one).
        spdlog::warn("the given cluster token differs from the one in {}; using and storing the "
                     "given one",
                     settings.data_dir);
    }
    if (stored.value() != settings.cluster_token) {
        if (util::Status written = store_cluster_token(settings, settings.cluster_token);
            !written.ok()) {
            return written.error();
        }
    }
    return settings.cluster_token;
}

util::Result<std::optional<std::string>>
fetch_cluster_token(const NodeSettings& settings, registry::Registry& registry, bool may_generate)
{
    const std::int64_t now_ms = transport::monotonic_ms();
    RE_TRY(published, registry.read_cluster_token(now_ms));
    std::string token;
    if (published) {
        token = std::move(*published);
    } else if (!may_generate) {
        return std::optional<std::string>{};
    } else {
        // Whoever publishes first wins; Redis answers with what it kept.
        const std::string generated = transport::generate_secret_hex();
        RE_TRY(holder, registry.publish_cluster_token(now_ms, generated));
        if (holder == generated) {
            spdlog::info("generated the cluster token of cluster {} and published it in Redis",
                         settings.cluster_id);
        }
        token = std::move(holder);
    }
    return std::optional<std::string>{std::move(token)};
}

} // namespace raftescort::node

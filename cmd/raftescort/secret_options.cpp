#include "secret_options.hpp"

#include "validators.hpp"

#include <raftescort/store/secret_file.hpp>
#include <raftescort/util/assert.hpp>

#include <cstdlib>

#include <sys/stat.h>

namespace raftescort::cmd {

namespace {

/// $name, or empty when unset (an empty variable counts as unset, as CLI11
/// treats the variables of the other options).
std::string variable(const std::string& name)
{
    const char* value = std::getenv(name.c_str());
    return value == nullptr ? std::string() : std::string(value);
}

std::string read_file_or_throw(const std::string& option, const std::string& path)
{
    util::Result<std::string> line = store::read_secret_line(path);
    if (!line.ok()) {
        throw CLI::ValidationError(option, "cannot use " + path + ": " + line.error().message);
    }
    return line.value();
}

void check_or_throw(const SecretNames& names, const std::string& source, const std::string& token)
{
    const std::string why = check_token_text(token, names.chars_min, names.what);
    if (!why.empty()) {
        throw CLI::ValidationError(source, why);
    }
}

} // namespace

SecretNames admin_token_names()
{
    return SecretNames{"admin token",
                       "--admin-token",
                       "--admin-token-file",
                       "RAFTESCORT_ADMIN_TOKEN",
                       "RAFTESCORT_ADMIN_TOKEN_FILE",
                       k_admin_token_chars_min};
}

SecretNames cluster_token_names()
{
    return SecretNames{"cluster token",
                       "--cluster-token",
                       "--cluster-token-file",
                       "RAFTESCORT_CLUSTER_TOKEN",
                       "RAFTESCORT_CLUSTER_TOKEN_FILE",
                       1};
}

void add_secret_flags(CLI::App& command, const SecretNames& names,
                      const std::shared_ptr<SecretFlags>& flags, const std::string& description)
{
    CLI::Option* value = nullptr;
    if (!names.value_flag.empty()) {
        value = command
                    .add_option(names.value_flag, flags->value,
                                description + "; env " + names.value_variable
                                    + ". Every user sees a command line in `ps`: prefer "
                                    + names.file_flag)
                    ->type_name("TOKEN");
        value->check(CLI::Validator(
            [names](std::string& text) {
                return check_token_text(text, names.chars_min, names.what);
            },
            "", "TOKEN"));
    }
    CLI::Option* file = command
                            .add_option(names.file_flag, flags->file,
                                        "File whose first line is the " + names.what + " (env "
                                            + names.file_variable + ")")
                            ->type_name("FILE");
    if (value != nullptr) {
        file->excludes(value);
    }
}

std::string resolve_secret(const SecretNames& names, const SecretFlags& flags)
{
    // CLI11's excludes() already refused both flags at once.
    RE_ASSERT(flags.value.empty() || flags.file.empty());
    if (!flags.value.empty()) {
        return flags.value; // checked by the option's validator
    }
    if (!flags.file.empty()) {
        std::string token = read_file_or_throw(names.file_flag, flags.file);
        check_or_throw(names, names.file_flag + " " + flags.file, token);
        return token;
    }
    const std::string value = variable(names.value_variable);
    const std::string file = variable(names.file_variable);
    if (!value.empty() && !file.empty()) {
        throw CLI::ValidationError(names.value_variable, "both " + names.value_variable + " and "
                                                             + names.file_variable
                                                             + " are set: set only one");
    }
    if (!value.empty()) {
        check_or_throw(names, names.value_variable, value);
        return value;
    }
    if (!file.empty()) {
        std::string token = read_file_or_throw(names.file_variable, file);
        check_or_throw(names, names.file_variable + " " + file, token);
        return token;
    }
    return "";
}

std::string secret_from_file_variable(const std::string& name)
{
    const std::string file = variable(name);
    if (file.empty()) {
        return "";
    }
    return read_file_or_throw(name, file);
}

std::string default_admin_token_path()
{
    std::string config = variable("XDG_CONFIG_HOME");
    if (config.empty()) {
        const std::string home = variable("HOME");
        if (home.empty()) {
            return "";
        }
        config = home + "/.config";
    }
    return config + "/raftescort/admin-token";
}

std::string resolve_ctl_admin_token(const std::string& file_flag)
{
    SecretNames names = admin_token_names();
    names.value_flag.clear();
    SecretFlags flags;
    flags.file = file_flag;
    if (!file_flag.empty()) {
        return resolve_secret(names, flags);
    }
    // The environment, in the order ctl documents: the value, then the file.
    if (const std::string value = variable(names.value_variable); !value.empty()) {
        check_or_throw(names, names.value_variable, value);
        return value;
    }
    if (const std::string file = variable(names.file_variable); !file.empty()) {
        std::string token = read_file_or_throw(names.file_variable, file);
        check_or_throw(names, names.file_variable + " " + file, token);
        return token;
    }
    const std::string path = default_admin_token_path();
    struct stat info { };
    if (path.empty() || ::stat(path.c_str(), &info) != 0) {
        return "";
    }
    std::string token = read_file_or_throw(path, path);
    check_or_throw(names, path, token);
    return token;
}

} // namespace raftescort::cmd

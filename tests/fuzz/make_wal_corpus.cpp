// Writes a few real log segments (entries, truncations, hard states) into a
// corpus directory, so the fuzzer starts from valid records and mutates them.

#include <raftescort/store/disk_storage.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

using namespace raftescort;

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: make_wal_corpus WORK_DIR CORPUS_DIR\n");
        return 2;
    }
    std::filesystem::path work = argv[1];
    std::filesystem::path corpus = argv[2];
    std::filesystem::create_directories(corpus);
    std::filesystem::create_directories(work);
    for (int variant = 0; variant < 4; ++variant) {
        std::filesystem::path data = work / ("data-" + std::to_string(variant));
        std::filesystem::remove_all(data);
        store::StorageOptions options;
        options.directory = data.string();
        auto opened = store::DiskStorage::open(options, store::Identity{"fuzz", raft::NodeId{1}});
        if (!opened.ok()) {
            std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
            return 1;
        }
        std::uint64_t index = 1;
        for (int save = 0; save < 3 + variant; ++save) {
            raft::Ready ready;
            for (int i = 0; i <= variant; ++i) {
                ready.entries.push_back(raft::Entry{
                    raft::Term{1 + static_cast<std::uint64_t>(save)}, raft::Index{index++},
                    raft::EntryType::normal, "move 1 0 c=f s=" + std::to_string(index)});
            }
            if (variant == 3 && save == 2) {
                index -= 2; // a truncation: the next save rewrites two entries
            }
            ready.hard_state = raft::HardState{raft::Term{1 + static_cast<std::uint64_t>(save)},
                                               raft::NodeId{1}, raft::Index{index / 2}};
            if (!opened.value()->save(ready).ok()) {
                return 1;
            }
        }
        opened.value().reset();
        int copied = 0;
        for (const auto& file : std::filesystem::recursive_directory_iterator(data / "wal")) {
            if (file.is_regular_file()) {
                std::filesystem::copy_file(
                    file.path(),
                    corpus / ("seed-" + std::to_string(variant) + "-" + std::to_string(copied++)),
                    std::filesystem::copy_options::overwrite_existing);
            }
        }
        std::filesystem::remove_all(data);
    }
    return 0;
}

// Storage benchmark: how many entries per second the write-ahead log makes
// durable with batches of 1, 16 and 256 entries per fsync, next to a plain
// write+fsync loop on the same disk (the physical floor), and how long a
// 5-member commit's fsyncs take when the members share the disk. It prints
// figures; it never passes or fails on a time.
//
// Rounds are interleaved (floor, five members, 1, 16, 256, floor, ...) so that noise
// from other work on the machine lands on every variant alike; the report
// quotes medians across rounds.

#include <raftescort/store/disk_storage.hpp>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
using namespace raftescort;

struct Figures {
    double batches_per_second = 0;
    double entries_per_second = 0;
    double batch_latency_p50_us = 0;
};

double percentile(std::vector<double> samples, double fraction)
{
    if (samples.empty()) {
        return 0;
    }
    std::sort(samples.begin(), samples.end());
    std::size_t at =
        std::min(samples.size() - 1,
                 static_cast<std::size_t>(fraction * static_cast<double>(samples.size())));
    return samples[at];
}

double seconds_since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The floor: append 64 bytes and fsync, as fast as the disk allows.
Figures measure_raw(const std::filesystem::path& directory, double seconds)
{
    std::filesystem::path path = directory / "raw.bin";
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
    if (fd < 0) {
        std::perror("open");
        std::exit(1);
    }
    char record[64];
    std::memset(record, 'r', sizeof(record));
    std::vector<double> latencies;
    Clock::time_point start = Clock::now();
    while (seconds_since(start) < seconds) {
        Clock::time_point begin = Clock::now();
        if (::write(fd, record, sizeof(record)) != static_cast<ssize_t>(sizeof(record))
            || ::fsync(fd) != 0) {
            std::perror("write/fsync");
            std::exit(1);
        }
        latencies.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
    }
    double elapsed = seconds_since(start);
    ::close(fd);
    std::filesystem::remove(path);
    Figures figures;
    figures.batches_per_second = static_cast<double>(latencies.size()) / elapsed;
    figures.entries_per_second = figures.batches_per_second;
    figures.batch_latency_p50_us = percentile(latencies, 0.5);
    return figures;
}

/// The log: each save is one Ready with `batch` entries and a hard state;
/// the open segment grown ahead in steps of `preallocate_bytes` (0: not).
Figures measure_wal(const std::filesystem::path& directory, std::size_t batch,
                    std::uint64_t preallocate_bytes, double seconds)
{
    std::filesystem::path data = directory / ("wal-" + std::to_string(batch));
    std::filesystem::remove_all(data);
    store::StorageOptions options;
    options.directory = data.string();
    options.preallocate_bytes = preallocate_bytes;
    auto opened = store::DiskStorage::open(options, store::Identity{"bench", raft::NodeId{1}});
    if (!opened.ok()) {
        std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
        std::exit(1);
    }
    store::DiskStorage& storage = *opened.value();
    std::string payload(64, 'e');
    std::uint64_t next_index = 1;
    std::vector<double> latencies;
    Clock::time_point start = Clock::now();
    while (seconds_since(start) < seconds) {
        raft::Ready ready;
        for (std::size_t i = 0; i < batch; ++i) {
            ready.entries.push_back(raft::Entry{raft::Term{1}, raft::Index{next_index++},
                                                raft::EntryType::normal, payload});
        }
        ready.hard_state =
            raft::HardState{raft::Term{1}, raft::NodeId{1}, raft::Index{next_index - 1}};
        Clock::time_point begin = Clock::now();
        util::Status status = storage.save(ready);
        if (!status.ok()) {
            std::fprintf(stderr, "save: %s\n", status.error().message.c_str());
            std::exit(1);
        }
        latencies.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
    }
    double elapsed = seconds_since(start);
    opened.value().reset();
    std::filesystem::remove_all(data);
    Figures figures;
    figures.batches_per_second = static_cast<double>(latencies.size()) / elapsed;
    figures.entries_per_second = figures.batches_per_second * static_cast<double>(batch);
    figures.batch_latency_p50_us = percentile(latencies, 0.5);
    return figures;
}

/// A 5-member commit's durability on this one disk: five writers (one per
/// member, each its own preallocated file, as the log writes) append and
/// fsync at the same moment, and a commit needs the leader's and two of the
/// four others'. Returns the p50 of that, in us, and of one writer alone.
struct MajorityFigures {
    double alone_p50_us = 0;
    double majority_p50_us = 0;
};

MajorityFigures measure_majority(const std::filesystem::path& directory, double seconds)
{
    constexpr int k_members = 5;
    constexpr std::size_t k_record_bytes = 64;
    constexpr std::uint64_t k_preallocated = 64ULL * 1024 * 1024;
    std::vector<int> files;
    for (int member = 0; member < k_members; ++member) {
        std::filesystem::path path = directory / ("member-" + std::to_string(member));
        int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
        if (fd < 0 || ::fallocate(fd, 0, 0, k_preallocated) != 0 || ::fsync(fd) != 0) {
            std::perror("member file");
            std::exit(1);
        }
        files.push_back(fd);
    }
    char record[k_record_bytes];
    std::memset(record, 'm', sizeof(record));
    auto write_and_sync = [&](int member, std::uint64_t round) {
        off_t offset = static_cast<off_t>((round * k_record_bytes) % k_preallocated);
        if (::pwrite(files[member], record, sizeof(record), offset)
                != static_cast<ssize_t>(sizeof(record))
            || ::fsync(files[member]) != 0) {
            std::perror("pwrite/fsync");
            std::exit(1);
        }
    };

    MajorityFigures figures;
    std::vector<double> alone;
    Clock::time_point start = Clock::now();
    for (std::uint64_t round = 0; seconds_since(start) < seconds / 2; ++round) {
        Clock::time_point begin = Clock::now();
        write_and_sync(0, round);
        alone.push_back(std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
    }
    figures.alone_p50_us = percentile(alone, 0.5);

    // Each round: release all five, wait for all, then read their times.
    std::barrier round_start(k_members + 1);
    std::barrier round_end(k_members + 1);
    std::vector<Clock::time_point> done(k_members);
    bool stop = false;
    Clock::time_point released;
    std::vector<std::thread> writers;
    for (int member = 0; member < k_members; ++member) {
        writers.emplace_back([&, member] {
            for (std::uint64_t round = 0;; ++round) {
                round_start.arrive_and_wait();
                if (stop) {
                    return;
                }
                write_and_sync(member, round + 1000000);
                done[member] = Clock::now();
                round_end.arrive_and_wait();
            }
        });
    }
    std::vector<double> majority;
    start = Clock::now();
    while (seconds_since(start) < seconds / 2) {
        released = Clock::now();
        round_start.arrive_and_wait();
        round_end.arrive_and_wait();
        std::vector<double> others;
        for (int member = 1; member < k_members; ++member) {
            others.push_back(
                std::chrono::duration<double, std::micro>(done[member] - released).count());
        }
        std::sort(others.begin(), others.end());
        double leader =
            std::chrono::duration<double, std::micro>(done[0] - released).count();
        majority.push_back(std::max(leader, others[1]));
    }
    stop = true;
    round_start.arrive_and_wait();
    for (std::thread& writer : writers) {
        writer.join();
    }
    for (int member = 0; member < k_members; ++member) {
        ::close(files[member]);
        std::filesystem::remove(directory / ("member-" + std::to_string(member)));
    }
    figures.majority_p50_us = percentile(majority, 0.5);
    return figures;
}

double median(std::vector<double> values) { return percentile(std::move(values), 0.5); }

} // namespace

int main(int argc, char** argv)
{
    // bench/run wants only the five members' durability, as JSON in ms.
    if (argc == 4 && std::string(argv[1]) == "--majority") {
        std::filesystem::path directory = argv[2];
        double seconds = std::atof(argv[3]);
        if (seconds <= 0) {
            std::fprintf(stderr, "usage: storage_bench --majority DIR SECONDS>0\n");
            return 2;
        }
        std::filesystem::create_directories(directory);
        MajorityFigures five = measure_majority(directory, seconds);
        std::printf("{\"alone_p50_ms\": %.4f, \"majority_of_five_p50_ms\": %.4f}\n",
                    five.alone_p50_us / 1000, five.majority_p50_us / 1000);
        return 0;
    }
    std::filesystem::path directory = argc > 1 ? argv[1] : "bench-data";
    int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
    double seconds = argc > 3 ? std::atof(argv[3]) : 1.0;
    if (rounds < 1 || seconds <= 0) {
        std::fprintf(stderr, "usage: storage_bench [DIR] [ROUNDS>=1] [SECONDS>0]\n"
                             "       storage_bench --majority DIR SECONDS>0\n");
        return 2;
    }
    std::filesystem::create_directories(directory);

    const std::vector<std::size_t> batches = {1, 16, 256};
    const std::uint64_t preallocate_bytes = store::StorageOptions{}.preallocate_bytes;
    std::vector<std::vector<Figures>> wal(batches.size());
    // The default, next to the same log growing with each append (the
    // segment-preallocation change's before and after, in one run).
    std::vector<Figures> unallocated;
    std::vector<Figures> raw;
    std::vector<double> alone_p50, majority_p50;
    for (int round = 0; round < rounds; ++round) {
        raw.push_back(measure_raw(directory, seconds));
        MajorityFigures five = measure_majority(directory, seconds);
        alone_p50.push_back(five.alone_p50_us);
        majority_p50.push_back(five.majority_p50_us);
        unallocated.push_back(measure_wal(directory, 1, 0, seconds));
        for (std::size_t b = 0; b < batches.size(); ++b) {
            wal[b].push_back(measure_wal(directory, batches[b], preallocate_bytes, seconds));
        }
        std::fprintf(stderr, "round %d/%d done\n", round + 1, rounds);
    }

    auto medians = [](const std::vector<Figures>& runs) {
        std::vector<double> batches_per_second, entries_per_second, latency;
        for (const Figures& figures : runs) {
            batches_per_second.push_back(figures.batches_per_second);
            entries_per_second.push_back(figures.entries_per_second);
            latency.push_back(figures.batch_latency_p50_us);
        }
        return Figures{median(batches_per_second), median(entries_per_second), median(latency)};
    };
    Figures floor = medians(raw);
    std::printf(
        "| variant | fsyncs/s | entries/s | p50 per fsync (us) | entries/s / raw fsyncs/s |\n");
    std::printf("|---|---:|---:|---:|---:|\n");
    std::printf("| raw write(64 B)+fsync | %.0f | %.0f | %.0f | 1.00 |\n", floor.batches_per_second,
                floor.entries_per_second, floor.batch_latency_p50_us);
    Figures growing = medians(unallocated);
    std::printf("| WAL, 1 entries per save, segment not preallocated | %.0f | %.0f | %.0f | %.2f |\n",
                growing.batches_per_second, growing.entries_per_second,
                growing.batch_latency_p50_us,
                growing.entries_per_second / floor.batches_per_second);
    for (std::size_t b = 0; b < batches.size(); ++b) {
        Figures figures = medians(wal[b]);
        std::printf("| WAL, %zu entries per save | %.0f | %.0f | %.0f | %.2f |\n", batches[b],
                    figures.batches_per_second, figures.entries_per_second,
                    figures.batch_latency_p50_us,
                    figures.entries_per_second / floor.batches_per_second);
    }
    std::printf(
        "\nmedians of %d interleaved rounds of %.1f s each; entries carry 64 bytes of data\n",
        rounds, seconds);
    std::printf("\n| five members on this disk, each fsyncing 64 B into preallocated space | p50 (us) |\n");
    std::printf("|---|---:|\n");
    std::printf("| one member alone | %.0f |\n", median(alone_p50));
    std::printf("| all five at once, until the leader and two others are durable (a commit's "
                "durability) | %.0f |\n",
                median(majority_p50));
    std::filesystem::remove_all(directory);
    return 0;
}

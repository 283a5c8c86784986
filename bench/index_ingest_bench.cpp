// Ingest throughput: hayloft's Library ingest path next to raw Xapian indexing of the same texts.
//   index_ingest_bench [--data DIR] [--repeats N] [--pg-mb MB]
// Two inputs:
//   scifact    BEIR SciFact corpus (5,183 abstracts) through eval::ingest_beir -> Library::add_documents
//              (SQLite rows + one Xapian document per abstract, as `hayloft eval-retrieval` ingests it);
//   pg-essays  the Paul Graham essays copied to a temp folder until >= --pg-mb MB (distinct file names),
//              through Library::ingest (walk, read, chunk on the worker pool, SQLite + Xapian commits).
// Peer: raw Xapian, same texts, TermGenerator with the same stemmer (english, STEM_SOME), one Xapian
// document per abstract / file, ONE commit at the end; no SQLite, no chunking.
// Every measured run is a forked child (inputs loaded there, untimed), so each reports its own peak RSS
// and no run warms the next one's heap. Runs interleave ours/peer, alternating who goes first; medians.
// MB = input text bytes (title + text for SciFact, file bytes for the essays) / 1e6. Each run reports wall
// seconds and CPU seconds (user + system, all threads of the child, over the timed part): on a shared,
// oversubscribed machine the CPU figure is the steadier one.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "index/index.hpp"
#include "eval/eval.hpp"
#include "util/util.hpp"

namespace {

namespace fs = std::filesystem;
using namespace hayloft;
using nlohmann::json;

struct Options {
  std::string data_dir = "../shared/data";
  int repeats = 3;
  double pg_mb = 100;
};

fs::path fresh_temp(const std::string& stem) {
  fs::path p = fs::temp_directory_path() / (stem + "-" + std::to_string(std::random_device{}()));
  fs::create_directories(p);
  return p;
}

// CPU seconds (user + system) this process has used, all threads.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// Runs fn in a child process and returns the JSON it printed into a pipe, plus its peak RSS.
template <typename Fn>
json in_child(Fn&& fn) {
  int fds[2];
  if (pipe(fds) != 0) throw Error(ErrorKind::kIo, "pipe failed");
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw Error(ErrorKind::kIo, "fork failed");
  if (pid == 0) {
    close(fds[0]);
    int code = 0;
    std::string out;
    try {
      json r = fn();
      r["peak_rss_bytes"] = peak_rss_bytes();
      out = r.dump();
    } catch (const std::exception& e) {
      out = json{{"error", e.what()}}.dump();
      code = 1;
    }
    for (size_t off = 0; off < out.size();) {
      ssize_t n = write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  json r = json::parse(text, nullptr, false);
  if (r.is_discarded() || r.contains("error")) {
    throw Error(ErrorKind::kInternal, "benchmark child failed: " + (r.is_discarded() ? text : r["error"].dump()));
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------
// The four measured runs. Each returns {seconds, bytes, docs, chunks}.

json ours_scifact(const Options& o, const config::Config& config) {
  eval::BeirDataset data = eval::load_beir(o.data_dir + "/scifact", "test");
  fs::path home = fresh_temp("hl-ingest-bench");
  eval::BeirIngest r;
  double cpu = 0;
  {
    index::Library library(home.string(), config);
    double cpu0 = cpu_seconds();
    r = eval::ingest_beir(library, data.corpus, "scifact", 1000, false);
    cpu = cpu_seconds() - cpu0;
  }
  fs::remove_all(home);
  return {{"seconds", r.seconds}, {"cpu_seconds", cpu}, {"bytes", r.bytes}, {"docs", r.documents},
          {"chunks", r.chunks}};
}

json raw_scifact(const Options& o, const config::Config& config) {
  eval::BeirDataset data = eval::load_beir(o.data_dir + "/scifact", "test");
  fs::path dir = fresh_temp("hl-ingest-bench-xapian");
  Timer timer;
  double cpu0 = cpu_seconds();
  int64_t bytes = 0;
  {
    Xapian::WritableDatabase db(dir.string(), Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem(config.index.stem_language));
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    for (const eval::BeirDoc& d : data.corpus) {
      Xapian::Document doc;
      tg.set_document(doc);
      tg.index_text(d.title);
      tg.increase_termpos();
      tg.index_text(d.text);
      doc.set_data(d.id);
      db.add_document(doc);
      bytes += static_cast<int64_t>(d.title.size() + d.text.size());
    }
    db.commit();
  }
  double seconds = timer.seconds(), cpu = cpu_seconds() - cpu0;
  fs::remove_all(dir);
  return {{"seconds", seconds}, {"cpu_seconds", cpu}, {"bytes", bytes}, {"docs", data.corpus.size()},
          {"chunks", data.corpus.size()}};
}

json ours_files(const fs::path& corpus, const config::Config& config) {
  fs::path home = fresh_temp("hl-ingest-bench");
  index::IngestSummary s;
  double cpu = 0;
  {
    index::Library library(home.string(), config);
    ThreadPool pool(std::max(config.ingest.workers, 1));
    index::IngestOptions options = index::ingest_options(config.ingest);
    options.progress = false;
    double cpu0 = cpu_seconds();
    s = library.ingest("pg", {corpus.string()}, options, pool);
    cpu = cpu_seconds() - cpu0;
  }
  fs::remove_all(home);
  if (s.failed) throw Error(ErrorKind::kInternal, std::to_string(s.failed) + " files failed to ingest");
  return {{"seconds", s.seconds}, {"cpu_seconds", cpu}, {"bytes", s.bytes}, {"docs", s.added},
          {"chunks", s.chunks}};
}

json raw_files(const fs::path& corpus, const config::Config& config) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(corpus)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  fs::path dir = fresh_temp("hl-ingest-bench-xapian");
  Timer timer;  // reading the files is timed, as it is for ours
  double cpu0 = cpu_seconds();
  int64_t bytes = 0;
  {
    Xapian::WritableDatabase db(dir.string(), Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator tg;
    tg.set_stemmer(Xapian::Stem(config.index.stem_language));
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    for (const fs::path& f : files) {
      std::string text = read_file(f.string());
      Xapian::Document doc;
      tg.set_document(doc);
      tg.index_text(text);
      doc.set_data(f.string());
      db.add_document(doc);
      bytes += static_cast<int64_t>(text.size());
    }
    db.commit();
  }
  double seconds = timer.seconds(), cpu = cpu_seconds() - cpu0;
  fs::remove_all(dir);
  return {{"seconds", seconds}, {"cpu_seconds", cpu}, {"bytes", bytes}, {"docs", files.size()},
          {"chunks", files.size()}};
}

// ---------------------------------------------------------------------------------------------------

// Copies every essay into dir as rNNN_<name> until the copies hold >= target bytes.
int64_t replicate_essays(const fs::path& src, const fs::path& dir, double target_bytes, int& copies) {
  std::vector<fs::path> essays;
  for (const auto& e : fs::directory_iterator(src)) {
    if (e.is_regular_file()) essays.push_back(e.path());
  }
  std::sort(essays.begin(), essays.end());
  if (essays.empty()) throw Error(ErrorKind::kNotFound, "no essays", src.string());
  int64_t total = 0;
  copies = 0;
  while (static_cast<double>(total) < target_bytes) {
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "r%03d_", copies);
    for (const fs::path& e : essays) {
      fs::copy_file(e, dir / (prefix + e.filename().string()));
      total += static_cast<int64_t>(fs::file_size(e));
    }
    ++copies;
  }
  return total;
}

double median(std::vector<double> v) { return eval::percentile(std::move(v), 50); }

// Interleaves `repeats` runs of ours and the peer and summarises both.
template <typename Ours, typename Peer>
json compare(const std::string& name, int repeats, Ours&& ours, Peer&& peer) {
  std::vector<double> ours_mbs, peer_mbs, ours_cps, ours_rss, peer_rss, ours_cpu_mbs, peer_cpu_mbs;
  json first_ours, first_peer;
  for (int r = 0; r < repeats; ++r) {
    json a, b;
    if (r % 2 == 0) {
      a = in_child(ours);
      b = in_child(peer);
    } else {
      b = in_child(peer);
      a = in_child(ours);
    }
    std::fprintf(stderr, "[index_ingest_bench] %s run %d: ours %.2f s (%.2f cpu), xapian %.2f s (%.2f cpu)\n",
                 name.c_str(), r, a["seconds"].get<double>(), a["cpu_seconds"].get<double>(),
                 b["seconds"].get<double>(), b["cpu_seconds"].get<double>());
    ours_mbs.push_back(a["bytes"].get<double>() / 1e6 / a["seconds"].get<double>());
    ours_cps.push_back(a["chunks"].get<double>() / a["seconds"].get<double>());
    peer_mbs.push_back(b["bytes"].get<double>() / 1e6 / b["seconds"].get<double>());
    ours_cpu_mbs.push_back(a["bytes"].get<double>() / 1e6 / a["cpu_seconds"].get<double>());
    peer_cpu_mbs.push_back(b["bytes"].get<double>() / 1e6 / b["cpu_seconds"].get<double>());
    ours_rss.push_back(a["peak_rss_bytes"].get<double>());
    peer_rss.push_back(b["peak_rss_bytes"].get<double>());
    if (r == 0) {
      first_ours = a;
      first_peer = b;
    }
  }
  double ours_m = median(ours_mbs), peer_m = median(peer_mbs);
  double ours_c = median(ours_cpu_mbs), peer_c = median(peer_cpu_mbs);
  return {
      {"input", name},
      {"bytes", first_ours["bytes"]},
      {"repeats", repeats},
      {"hayloft", {{"mb_per_s", ours_m}, {"chunks_per_s", median(ours_cps)}, {"docs", first_ours["docs"]},
                   {"chunks", first_ours["chunks"]}, {"peak_rss_bytes", median(ours_rss)},
                   {"mb_per_cpu_s", ours_c}, {"mb_per_s_runs", ours_mbs}}},
      {"xapian_raw", {{"mb_per_s", peer_m}, {"docs", first_peer["docs"]}, {"peak_rss_bytes", median(peer_rss)},
                      {"mb_per_cpu_s", peer_c}, {"mb_per_s_runs", peer_mbs}}},
      {"ratio_mb_per_s", peer_m > 0 ? ours_m / peer_m : 0.0},
      {"ratio_mb_per_cpu_s", peer_c > 0 ? ours_c / peer_c : 0.0},
      {"goal_ratio", 0.8},
  };
}

int run(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data") o.data_dir = value;
    else if (flag == "--repeats") o.repeats = std::max(1, std::stoi(value));
    else if (flag == "--pg-mb") o.pg_mb = std::stod(value);
    else throw Error(ErrorKind::kInvalidArgument, "unknown flag " + flag);
  }
  init_logging(false);
  spdlog::set_level(spdlog::level::warn);
  config::Config config = config::load();
  json results = json::array();
  results.push_back(compare("scifact", o.repeats, [&] { return ours_scifact(o, config); },
                            [&] { return raw_scifact(o, config); }));

  fs::path corpus = fresh_temp("hl-ingest-bench-pg");
  int copies = 0;
  int64_t bytes = replicate_essays(o.data_dir + "/pg-essays", corpus, o.pg_mb * 1e6, copies);
  std::fprintf(stderr, "[index_ingest_bench] pg-essays: %d copies, %.1f MB in %s\n", copies, bytes / 1e6,
               corpus.c_str());
  json pg;
  try {
    pg = compare("pg-essays", o.repeats, [&] { return ours_files(corpus, config); },
                 [&] { return raw_files(corpus, config); });
  } catch (...) {
    fs::remove_all(corpus);
    throw;
  }
  fs::remove_all(corpus);
  pg["copies"] = copies;
  results.push_back(pg);

  json doc = {{"bench", "index_ingest"},
              {"workers", config.ingest.workers},
              {"chunk_tokens", config.ingest.chunk_tokens},
              {"cpus", std::thread::hardware_concurrency()},
              {"results", results}};
  std::printf("%s\n", doc.dump(2).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "index_ingest_bench: %s\n", e.what());
    return 1;
  }
}

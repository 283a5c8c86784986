// /api routes that need no model: health, collections, documents (upload through the ingest path),
// search, runs. Reads go to a pooled reader Library, changes to the one writer.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>

#include "util/util.hpp"
#include "web/site.hpp"

namespace hayloft::web {
namespace fs = std::filesystem;

nlohmann::json collection_json(const index::CollectionInfo& c) {
  return {{"id", c.id},         {"name", c.name},     {"created", c.created}, {"documents", c.documents},
          {"chunks", c.chunks}, {"bytes", c.bytes},   {"tokens", c.tokens}};
}

nlohmann::json document_json(const index::DocumentRow& d) {
  return {{"id", d.id},          {"collection", d.collection}, {"path", d.path},   {"title", d.title},
          {"type", d.type},      {"language", d.language},     {"hash", d.hash},   {"mtime", d.mtime},
          {"size", d.size},      {"chunks", d.chunk_count},    {"tokens", d.tokens},
          {"state", index::index_state_name(d.state)},         {"metadata", d.metadata}};
}

namespace {

index::CollectionInfo require_collection(index::Library& lib, const std::string& name) {
  for (const auto& c : lib.collections()) {
    if (c.name == name) return c;
  }
  throw Error(ErrorKind::kNotFound, "no such collection", name);
}

// The file name an upload may be stored under: the last path component of what the client sent, with
// nothing that could leave the upload folder or hide (no "..", no leading dot, no control bytes).
bool safe_upload_name(const std::string& raw, std::string& name, std::string& why) {
  size_t cut = raw.find_last_of("/\\");
  name = cut == std::string::npos ? raw : raw.substr(cut + 1);
  if (name.empty()) {
    why = "empty file name";
    return false;
  }
  if (name.size() > 200) {
    why = "file name longer than 200 bytes";
    return false;
  }
  if (name[0] == '.') {
    why = "file names may not start with '.'";
    return false;
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      why = "control character in file name";
      return false;
    }
  }
  return true;
}

// Each collection's uploads live in home/uploads/<collection id>/: the id, never the name, names the
// folder, so no collection name can point it elsewhere.
fs::path upload_dir(const Site& site, int64_t collection_id) {
  return fs::path(site.home) / "uploads" / std::to_string(collection_id);
}

nlohmann::json errors_json(const std::vector<index::FileError>& errors) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : errors) arr.push_back({{"file", e.path}, {"kind", e.kind}, {"message", e.message}});
  return arr;
}

void upload(Exchange& ex, Site& site) {
  const std::string collection = ex.param("name");
  Poco::Net::MediaType type(ex.request().getContentType());
  if (type.getType() != "multipart" || type.getSubType() != "form-data" || !type.hasParameter("boundary")) {
    throw HttpError{415, "unsupported_media_type", "upload as multipart/form-data with one part per file"};
  }
  const std::string& body = ex.body();

  struct Saved {
    std::string name;
    fs::path path;
  };
  std::vector<Saved> saved;
  std::vector<index::FileError> errors;
  int64_t collection_id = 0;
  {
    auto w = site.libraries->writer();
    collection_id = w.lib.store().ensure_collection(collection);  // validates the name
  }
  fs::path dir = upload_dir(site, collection_id);
  fs::create_directories(dir);
  try {
    std::istringstream in(body);
    Poco::Net::MultipartReader reader(in, type.getParameter("boundary"));
    int parts = 0;
    while (reader.hasNextPart()) {
      Poco::Net::MessageHeader header;
      reader.nextPart(header);
      if (++parts > 1000) throw HttpError{400, "bad_request", "more than 1000 parts"};
      std::string disp_value;
      Poco::Net::NameValueCollection disp;
      Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disp_value, disp);
      std::string raw = disp.get("filename", "");
      std::string content((std::istreambuf_iterator<char>(reader.stream())), std::istreambuf_iterator<char>());
      if (!disp.has("filename")) continue;  // a plain form field: nothing to store
      std::string name, why;
      if (!safe_upload_name(raw, name, why)) {
        errors.push_back({raw, "invalid_argument", why});
        continue;
      }
      // Written beside and renamed: a reader never sees half a file.
      fs::path final_path = dir / name;
      fs::path tmp = dir / ("." + name + ".part");
      {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!out) {
          errors.push_back({name, "io", "could not write the upload"});
          continue;
        }
      }
      fs::rename(tmp, final_path);
      saved.push_back({name, final_path});
    }
  } catch (const Poco::Exception& e) {
    throw HttpError{400, "bad_request", "malformed multipart body: " + e.displayText()};
  }
  if (saved.empty() && errors.empty()) throw HttpError{400, "bad_request", "no file parts in the upload"};

  index::IngestSummary s;
  if (!saved.empty()) {
    std::vector<std::string> paths;
    for (const auto& f : saved) paths.push_back(f.path.string());
    index::IngestOptions options = index::ingest_options(site.config.ingest);
    options.progress = false;
    auto w = site.libraries->writer();
    s = w.lib.ingest(collection, paths, options, *site.ingest_pool);
  }
  // Ingest reports absolute paths; the client knows its file names.
  for (auto& e : s.errors) e.path = fs::path(e.path).filename().string();
  for (auto& e : s.errors) errors.push_back(e);
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : saved) {
    bool failed = false;
    for (const auto& e : s.errors) failed = failed || e.path == f.name;
    files.push_back({{"name", f.name}, {"ok", !failed}});
  }
  ex.send_json(errors.empty() ? 201 : 207,
               {{"ok", errors.empty()}, {"collection", collection}, {"files", files},
                {"added", s.added}, {"replaced", s.replaced}, {"unchanged", s.unchanged},
                {"failed", static_cast<int64_t>(errors.size())}, {"chunks", s.chunks}, {"bytes", s.bytes},
                {"seconds", s.seconds}, {"errors", errors_json(errors)}});
}

// The document's normalised text, stitched from its (overlapping) chunks by their offsets.
std::string stitch(const std::vector<index::ChunkRow>& chunks) {
  std::string text;
  int64_t end = 0;
  for (const auto& c : chunks) {
    if (c.end <= end) continue;
    int64_t skip = std::max<int64_t>(0, end - c.start);
    if (c.start > end) text.append(static_cast<size_t>(c.start - end), '\n');  // a gap: keep offsets
    if (skip < static_cast<int64_t>(c.text.size())) text.append(c.text, static_cast<size_t>(skip));
    end = c.end;
  }
  return text;
}

void show_document(Exchange& ex, Site& site) {
  int64_t id = ex.param_id("id");
  auto lib = site.libraries->reader();
  auto doc = lib->store().get_document(id);
  if (!doc || doc->state == index::IndexState::kDeleting) throw Error(ErrorKind::kNotFound, "no such document", std::to_string(id));
  std::vector<index::ChunkRow> chunks = lib->store().chunks_of(id);
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& c : chunks) {
    arr.push_back({{"id", c.id}, {"ordinal", c.ordinal}, {"text", c.text}, {"start", c.start}, {"end", c.end},
                   {"source_start", c.source_start}, {"source_end", c.source_end}, {"page", c.page},
                   {"heading", c.heading}, {"tokens", c.tokens}});
  }
  nlohmann::json j = document_json(*doc);
  j["text"] = stitch(chunks);
  j["chunk_list"] = arr;
  ex.send_json(200, j);
}

void search(Exchange& ex, Site& site) {
  auto q = ex.query("q");
  if (!q || q->empty()) throw HttpError{400, "bad_request", "q (the query) is required"};
  if (q->size() > 4096) throw HttpError{400, "bad_request", "q is longer than 4096 bytes"};
  index::Filters filters;
  for (const auto& c : ex.query_all("collection")) filters.collections.push_back(c);
  for (const auto& f : ex.query_all("filter")) index::parse_filter(f, filters);
  index::SearchOptions options;
  options.k = static_cast<int>(ex.query_int("k", site.config.index.default_k, 1, 1000));
  options.snippet_chars = site.config.index.snippet_chars;
  options.marker = "**";
  auto lib = site.libraries->reader();
  for (const auto& c : filters.collections) require_collection(*lib, c);
  Timer timer;
  std::vector<index::Hit> hits = lib->search(*q, filters, options);
  double seconds = timer.seconds();
  nlohmann::json arr = nlohmann::json::array();
  for (size_t i = 0; i < hits.size(); ++i) {
    const auto& h = hits[i];
    arr.push_back({{"rank", i + 1}, {"chunk_id", h.chunk_id}, {"document_id", h.document_id},
                   {"collection", h.collection}, {"path", h.path}, {"title", h.title}, {"score", h.score},
                   {"snippet", h.snippet}, {"start", h.start}, {"end", h.end}, {"source_start", h.source_start},
                   {"source_end", h.source_end}, {"page", h.page}, {"heading", h.heading}});
  }
  ex.send_json(200, {{"query", *q}, {"k", options.k}, {"seconds", seconds}, {"hits", arr}});
}

}  // namespace

void add_library_routes(Router& r, Site& site) {
  r.add("GET", "/api/health", [&site](Exchange& ex) {
    auto lib = site.libraries->reader();
    ex.send_json(200, {{"ok", true}, {"version", "0.1.0"}, {"home", site.home},
                       {"collections", lib->collections().size()}, {"auth", !site.options.token.empty()}});
  });
  r.add("GET", "/api/openapi.json", [](Exchange& ex) {
    const std::string& doc = openapi_json();
    ex.send_bytes(200, "application/json; charset=utf-8", doc.data(), doc.size());
  });

  r.add("GET", "/api/collections", [&site](Exchange& ex) {
    auto lib = site.libraries->reader();
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : lib->collections()) arr.push_back(collection_json(c));
    ex.send_json(200, {{"collections", arr}});
  });
  r.add("POST", "/api/collections", [&site](Exchange& ex) {
    nlohmann::json body = ex.json_body();
    if (!body.contains("name") || !body["name"].is_string()) {
      throw HttpError{400, "bad_request", "name (a string) is required"};
    }
    std::string name = body["name"];
    auto w = site.libraries->writer();
    bool existed = w.lib.store().find_collection(name).has_value();
    w.lib.store().ensure_collection(name);
    ex.send_json(existed ? 200 : 201, collection_json(require_collection(w.lib, name)));
  });
  r.add("GET", "/api/collections/{name}", [&site](Exchange& ex) {
    auto lib = site.libraries->reader();
    ex.send_json(200, collection_json(require_collection(*lib, ex.param("name"))));
  });
  r.add("DELETE", "/api/collections/{name}", [&site](Exchange& ex) {
    auto w = site.libraries->writer();
    index::CollectionInfo c = require_collection(w.lib, ex.param("name"));
    int64_t removed = w.lib.remove_collection(c.name);
    std::error_code ec;
    fs::remove_all(upload_dir(site, c.id), ec);
    ex.send_json(200, {{"ok", true}, {"collection", c.name}, {"documents_removed", removed}});
  });

  r.add("GET", "/api/collections/{name}/documents", [&site](Exchange& ex) {
    auto lib = site.libraries->reader();
    require_collection(*lib, ex.param("name"));
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& d : lib->documents(ex.param("name"))) arr.push_back(document_json(d));
    ex.send_json(200, {{"collection", ex.param("name")}, {"documents", arr}});
  });
  r.add("POST", "/api/collections/{name}/documents", [&site](Exchange& ex) { upload(ex, site); });
  r.add("GET", "/api/documents/{id}", [&site](Exchange& ex) { show_document(ex, site); });
  r.add("DELETE", "/api/documents/{id}", [&site](Exchange& ex) {
    int64_t id = ex.param_id("id");
    auto w = site.libraries->writer();
    auto doc = w.lib.store().get_document(id);
    if (!doc || doc->state == index::IndexState::kDeleting) throw Error(ErrorKind::kNotFound, "no such document", std::to_string(id));
    w.lib.remove({id});
    // An uploaded file goes with its document; files ingested from elsewhere are the user's.
    fs::path uploads = fs::weakly_canonical(fs::path(site.home) / "uploads");
    fs::path p = fs::weakly_canonical(fs::path(doc->path));
    if (p.string().rfind(uploads.string() + "/", 0) == 0) {
      std::error_code ec;
      fs::remove(p, ec);
    }
    ex.send_json(200, {{"ok", true}, {"id", id}});
  });

  r.add("GET", "/api/search", [&site](Exchange& ex) { search(ex, site); });

  r.add("GET", "/api/runs", [&site](Exchange& ex) {
    int limit = static_cast<int>(ex.query_int("limit", 100, 1, 10000));
    auto lib = site.libraries->reader();
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& run : lib->store().list_runs(limit, ex.query("kind").value_or(""))) {
      arr.push_back(app::run_json(run, false));
    }
    ex.send_json(200, {{"runs", arr}});
  });
  r.add("GET", "/api/runs/{id}", [&site](Exchange& ex) {
    int64_t id = ex.param_id("id");
    auto lib = site.libraries->reader();
    auto run = lib->store().get_run(id);
    if (!run) throw Error(ErrorKind::kNotFound, "no such run", std::to_string(id));
    ex.send_json(200, app::run_json(*run, true));
  });
}

}  // namespace hayloft::web

// PDF reader (poppler-cpp): text per page in reading order, normalised as prose; page breaks become
// paragraph breaks. Source map: one span per page whose page number is the locator; a PDF's text lives
// in compressed content streams, so the span's source range is the whole file rather than byte-exact.
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <memory>
#include <mutex>

#include "ingest/internal.hpp"
#include "util/error.hpp"

namespace hayloft::ingest::detail {
namespace {

// poppler prints parse complaints to stderr; our errors say what matters, and --json owns stdout anyway.
void quiet(const std::string&, void*) {}

std::string utf8(const poppler::ustring& s) {
  poppler::byte_array bytes = s.to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

void read_pdf(std::string_view bytes, Document& doc) {
  static std::once_flag quiet_once;
  std::call_once(quiet_once, [] { poppler::set_debug_error_function(quiet, nullptr); });
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) {
    throw Error(ErrorKind::kResourceExhausted, "PDF larger than 2 GiB", doc.path);
  }
  std::unique_ptr<poppler::document> pdf(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!pdf) throw Error(ErrorKind::kCorrupt, "corrupt or unreadable PDF (poppler could not open it)", doc.path);
  if (pdf->is_locked()) throw Error(ErrorKind::kUnsupported, "PDF is password-protected", doc.path);

  const int pages = pdf->pages();
  doc.page_count = pages;
  TextBuilder out(doc);
  const auto size = static_cast<int64_t>(bytes.size());
  for (int p = 0; p < pages; ++p) {
    std::unique_ptr<poppler::page> page(pdf->create_page(p));
    if (!page) continue;
    std::string text = normalise_prose(utf8(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout)));
    if (text.empty()) continue;
    out.paragraph_break();
    out.set_page(p + 1);
    out.append(text, 0, size);
  }
  out.trim_end();

  std::string title = utf8(pdf->get_title());
  std::string author = utf8(pdf->info_key("Author"));
  if (!author.empty()) doc.metadata["author"] = author;
  if (time_t created = pdf->get_creation_date_t(); created > 0) doc.metadata["created"] = std::to_string(created);
  doc.metadata["pages"] = std::to_string(pages);
  doc.title = normalise_prose(title);
  if (doc.title.find('\n') != std::string::npos) doc.title = doc.title.substr(0, doc.title.find('\n'));
  if (doc.title.empty()) doc.title = file_stem(doc.path);
}

}  // namespace hayloft::ingest::detail

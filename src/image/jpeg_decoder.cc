// JPEG with libjpeg(-turbo): errors and warnings are caught by our error manager (nothing is
// printed); a warning about the data ("Premature end of JPEG file", "Corrupt JPEG data: ...") ends
// the decode as an error, where libjpeg alone would fill the missing rows and go on.
#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <vector>

#include <jpeglib.h>
#include <jerror.h>

#include "format_decoders.h"

namespace abis::image::internal {
namespace {

// Progressive JPEGs of thousands of tiny scans cost CPU out of all proportion to their size.
constexpr int kMaxScans = 1000;

struct JpegErrors {
  jpeg_error_mgr base;  // first, so libjpeg's pointer to it is a pointer to this
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void Fail(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

// Level -1 is a warning, higher levels trace messages. Warnings about metadata we do not use are
// ignored; every other warning means corrupt or missing image data.
void OnMessage(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  switch (cinfo->err->msg_code) {
    case JWRN_ADOBE_XFORM:
    case JWRN_JFIF_MAJOR:
    case JWRN_BOGUS_ICC: return;
    default: Fail(cinfo);
  }
}

void PrintNothing(j_common_ptr) {}

void LimitScans(j_common_ptr cinfo) {
  auto* decompress = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (decompress->input_scan_number > kMaxScans) {
    auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
    std::snprintf(errors->message, sizeof errors->message, "more than %d scans", kMaxScans);
    std::longjmp(errors->jump, 1);
  }
}

// Everything the decode touches that outlives a longjmp lives here, outside the frame that calls
// setjmp (whose locals must not change between setjmp and longjmp).
struct JpegJob {
  std::span<const std::uint8_t> bytes;
  const ImageHeader* header = nullptr;
  bool grey = false;
  DecodedImage* out = nullptr;
  std::vector<std::uint8_t> cmyk_row;
  bool size_mismatch = false;
  std::int64_t found_width = 0, found_height = 0;
};

// Adobe CMYK as libjpeg gives it (inverted: 255 is no ink) to RGB.
void CmykRowToRgb(const std::uint8_t* cmyk, std::size_t width, std::uint8_t* rgb) {
  for (std::size_t x = 0; x < width; ++x, cmyk += 4, rgb += 3) {
    const unsigned k = cmyk[3];
    rgb[0] = static_cast<std::uint8_t>((cmyk[0] * k + 127) / 255);
    rgb[1] = static_cast<std::uint8_t>((cmyk[1] * k + 127) / 255);
    rgb[2] = static_cast<std::uint8_t>((cmyk[2] * k + 127) / 255);
  }
}

// Returns false on a libjpeg error (errors->message) or a size that differs from the header.
bool Run(jpeg_decompress_struct* cinfo, JpegErrors* errors, jpeg_progress_mgr* progress, JpegJob* job) {
  if (setjmp(errors->jump)) return false;
  jpeg_create_decompress(cinfo);
  cinfo->progress = progress;
  jpeg_mem_src(cinfo, job->bytes.data(), static_cast<unsigned long>(job->bytes.size()));
  jpeg_read_header(cinfo, TRUE);
  if (cinfo->image_width != job->header->width || cinfo->image_height != job->header->height) {
    job->size_mismatch = true;
    job->found_width = cinfo->image_width;
    job->found_height = cinfo->image_height;
    return false;
  }
  const bool cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  if (cmyk) {
    cinfo->out_color_space = JCS_CMYK;
  } else if (job->grey || cinfo->jpeg_color_space == JCS_GRAYSCALE) {
    cinfo->out_color_space = JCS_GRAYSCALE;
  } else {
    cinfo->out_color_space = JCS_RGB;
  }
  jpeg_start_decompress(cinfo);
  const std::size_t width = cinfo->output_width;
  const int channels = cmyk ? 3 : cinfo->output_components;
  job->out->width = static_cast<int>(cinfo->output_width);
  job->out->height = static_cast<int>(cinfo->output_height);
  job->out->channels = channels;
  job->out->pixels.resize(width * cinfo->output_height * static_cast<std::size_t>(channels));
  if (cmyk) job->cmyk_row.resize(width * 4);
  while (cinfo->output_scanline < cinfo->output_height) {
    std::uint8_t* target = job->out->pixels.data() + std::size_t{cinfo->output_scanline} * width * channels;
    JSAMPROW row = cmyk ? job->cmyk_row.data() : target;
    if (jpeg_read_scanlines(cinfo, &row, 1) != 1) {
      std::snprintf(errors->message, sizeof errors->message, "no data for row %u", cinfo->output_scanline);
      return false;
    }
    if (cmyk) CmykRowToRgb(job->cmyk_row.data(), width, target);
  }
  jpeg_finish_decompress(cinfo);  // reads on to EOI: a file cut after the last row fails here
  return true;
}

}  // namespace

Status DecodeJpeg(std::span<const std::uint8_t> bytes, const ImageHeader& header, bool grey,
                  std::string_view source, DecodedImage* out) {
  jpeg_decompress_struct cinfo;
  std::memset(&cinfo, 0, sizeof cinfo);
  JpegErrors errors;
  jpeg_std_error(&errors.base);
  errors.base.error_exit = Fail;
  errors.base.emit_message = OnMessage;
  errors.base.output_message = PrintNothing;
  errors.message[0] = '\0';
  cinfo.err = &errors.base;
  jpeg_progress_mgr progress;
  std::memset(&progress, 0, sizeof progress);
  progress.progress_monitor = LimitScans;
  JpegJob job;
  job.bytes = bytes;
  job.header = &header;
  job.grey = grey;
  job.out = out;
  const bool ok = Run(&cinfo, &errors, &progress, &job);
  jpeg_destroy_decompress(&cinfo);
  if (job.size_mismatch) return SizeMismatch(source, header, job.found_width, job.found_height);
  if (!ok) return CorruptData(source, ImageFormat::kJpeg, errors.message);
  return Status::Ok();
}

}  // namespace abis::image::internal

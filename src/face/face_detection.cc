#include "abis/face/face_detection.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

namespace abis::face {
namespace {

// Working-resolution policy: small images are upsampled so that faces reach the ~80 px the HOG
// window needs; very large ones are reduced (faces there are large) to bound detection time.
constexpr double kMinWorkingSide = 240.0;
constexpr double kMaxWorkingSide = 1280.0;

double WorkingScale(const cv::Mat& image) {
  const double shorter = std::min(image.cols, image.rows);
  const double longer = std::max(image.cols, image.rows);
  if (shorter < kMinWorkingSide) return std::min(kMinWorkingSide / shorter, 4.0);
  if (longer > kMaxWorkingSide) return kMaxWorkingSide / longer;
  return 1.0;
}

void SortLeftToRight(std::vector<DetectedFace>& faces) {
  std::sort(faces.begin(), faces.end(), [](const DetectedFace& a, const DetectedFace& b) {
    return a.box.x + a.box.width / 2 < b.box.x + b.box.width / 2;
  });
}

class DlibFaceDetector : public FaceDetector {
 public:
  explicit DlibFaceDetector(dlib::shape_predictor predictor)
      : detector_(dlib::get_frontal_face_detector()), predictor_(std::move(predictor)) {}

  FrontEnd front_end() const override { return FrontEnd::kDlib; }

  Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) const override {
    if (bgr.empty() || bgr.type() != CV_8UC3) return Status::InvalidArgument("dlib detector needs 8-bit BGR");
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    const double scale = WorkingScale(grey);
    if (scale != 1.0) {
      cv::resize(grey, grey, cv::Size(), scale, scale, scale > 1.0 ? cv::INTER_LINEAR : cv::INTER_AREA);
    }
    dlib::array2d<unsigned char> image(grey.rows, grey.cols);
    for (int y = 0; y < grey.rows; ++y) {
      std::copy_n(grey.ptr<unsigned char>(y), grey.cols, &image[y][0]);
    }
    std::vector<dlib::rect_detection> detections;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      detector_(image, detections, 0.0);
    }
    std::vector<DetectedFace> faces;
    for (const dlib::rect_detection& detection : detections) {
      const dlib::full_object_detection shape = predictor_(image, detection.rect);
      if (shape.num_parts() != 68) continue;
      DetectedFace face;
      const dlib::rectangle& r = detection.rect;
      face.box = cv::Rect2f(static_cast<float>(r.left() / scale), static_cast<float>(r.top() / scale),
                            static_cast<float>(r.width() / scale), static_cast<float>(r.height() / scale));
      face.confidence = static_cast<float>(detection.detection_confidence);
      for (unsigned i = 0; i < 68; ++i) {
        face.landmarks[i] = cv::Point2f(static_cast<float>(shape.part(i).x() / scale),
                                        static_cast<float>(shape.part(i).y() / scale));
      }
      faces.push_back(face);
    }
    SortLeftToRight(faces);
    return faces;
  }

 private:
  mutable std::mutex mutex_;
  mutable dlib::frontal_face_detector detector_;
  dlib::shape_predictor predictor_;
};

// fr_detect.onnx: 320x240 RGB input, (p - 127) / 128; outputs "scores" [1, N, 2] (background,
// face) and "boxes" [1, N, 4] as corner coordinates relative to the input size.
// fr_landmark.onnx: 64x64 grey crop of the square face box, p / 256; output 136 values, the 68
// points relative to the crop. Constants from the package's lib/fr_detect.js, lib/fr_landmark.js.
class OnnxFaceDetector : public FaceDetector {
 public:
  OnnxFaceDetector(cv::dnn::Net detector, cv::dnn::Net landmarks)
      : detector_(std::move(detector)), landmarks_(std::move(landmarks)) {}

  FrontEnd front_end() const override { return FrontEnd::kOnnx; }

  Result<std::vector<DetectedFace>> Detect(const cv::Mat& bgr) const override {
    if (bgr.empty() || bgr.type() != CV_8UC3) return Status::InvalidArgument("ONNX detector needs 8-bit BGR");
    // Pad to the network's 4:3 aspect so faces are not distorted; small tight crops (ID photos,
    // ORL) get a margin so the face does not touch the border.
    const double margin = std::min(bgr.cols, bgr.rows) < kMinWorkingSide ? 0.25 : 0.0;
    int pad_x = static_cast<int>(bgr.cols * margin);
    int pad_y = static_cast<int>(bgr.rows * margin);
    int width = bgr.cols + 2 * pad_x;
    int height = bgr.rows + 2 * pad_y;
    if (width * 3 > height * 4) {
      pad_y += (width * 3 / 4 - height + 1) / 2;
    } else {
      pad_x += (height * 4 / 3 - width + 1) / 2;
    }
    cv::Mat padded;
    cv::copyMakeBorder(bgr, padded, pad_y, pad_y, pad_x, pad_x, cv::BORDER_CONSTANT, cv::Scalar(127, 127, 127));
    const cv::Mat blob = cv::dnn::blobFromImage(padded, 1.0 / 128.0, cv::Size(kInputWidth, kInputHeight),
                                                cv::Scalar(127, 127, 127), /*swapRB=*/true, /*crop=*/false);
    std::vector<cv::Mat> outputs;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      detector_.setInput(blob);
      detector_.forward(outputs, std::vector<std::string>{"scores", "boxes"});
    }
    if (outputs.size() != 2 || outputs[0].total() % 2 != 0 || outputs[1].total() != outputs[0].total() * 2) {
      return Status::Internal("fr_detect.onnx produced outputs of unexpected shape");
    }
    const int count = static_cast<int>(outputs[0].total() / 2);
    const float* scores = outputs[0].ptr<float>();
    const float* boxes = outputs[1].ptr<float>();
    std::vector<cv::Rect2d> candidates;
    std::vector<float> confidences;
    for (int i = 0; i < count; ++i) {
      if (scores[2 * i + 1] < kConfidenceThreshold) continue;
      const double x1 = boxes[4 * i] * padded.cols - pad_x;
      const double y1 = boxes[4 * i + 1] * padded.rows - pad_y;
      const double x2 = boxes[4 * i + 2] * padded.cols - pad_x;
      const double y2 = boxes[4 * i + 3] * padded.rows - pad_y;
      if (x2 <= x1 || y2 <= y1) continue;
      candidates.emplace_back(x1, y1, x2 - x1, y2 - y1);
      confidences.push_back(scores[2 * i + 1]);
    }
    std::vector<int> kept;
    cv::dnn::NMSBoxes(candidates, confidences, kConfidenceThreshold, kNmsThreshold, kept);
    std::vector<DetectedFace> faces;
    for (int index : kept) {
      DetectedFace face;
      face.box = cv::Rect2f(candidates[index]);
      face.confidence = confidences[index];
      ABIS_RETURN_IF_ERROR(PredictLandmarks(bgr, face));
      faces.push_back(face);
    }
    SortLeftToRight(faces);
    return faces;
  }

 private:
  static constexpr int kInputWidth = 320;
  static constexpr int kInputHeight = 240;
  static constexpr float kConfidenceThreshold = 0.7f;
  static constexpr float kNmsThreshold = 0.4f;

  Status PredictLandmarks(const cv::Mat& bgr, DetectedFace& face) const {
    // Square box of the detection's height around its centre, as lib/fr_detect.js does.
    const float side = face.box.height;
    const float cx = face.box.x + face.box.width / 2;
    const float cy = face.box.y + face.box.height / 2;
    const cv::Rect square(static_cast<int>(std::lround(cx - side / 2)), static_cast<int>(std::lround(cy - side / 2)),
                          std::max(1, static_cast<int>(std::lround(side))), std::max(1, static_cast<int>(std::lround(side))));
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    const cv::Rect inside = square & cv::Rect(0, 0, grey.cols, grey.rows);
    if (inside.area() <= 0) return Status::Internal("face box outside the image");
    cv::Mat crop;
    cv::copyMakeBorder(grey(inside), crop, inside.y - square.y, square.br().y - inside.br().y,
                       inside.x - square.x, square.br().x - inside.br().x, cv::BORDER_REPLICATE);
    const cv::Mat blob = cv::dnn::blobFromImage(crop, 1.0 / 256.0, cv::Size(64, 64), cv::Scalar(), false, false);
    cv::Mat output;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      landmarks_.setInput(blob);
      output = landmarks_.forward().clone();
    }
    if (output.total() != 136) return Status::Internal("fr_landmark.onnx did not produce 136 values");
    const float* values = output.ptr<float>();
    for (int i = 0; i < 68; ++i) {
      face.landmarks[i] = cv::Point2f(static_cast<float>(square.x) + values[2 * i] * static_cast<float>(square.width),
                                      static_cast<float>(square.y) + values[2 * i + 1] * static_cast<float>(square.height));
    }
    return Status::Ok();
  }

  mutable std::mutex mutex_;
  mutable cv::dnn::Net detector_;
  mutable cv::dnn::Net landmarks_;
};

Result<cv::dnn::Net> ReadOnnx(const std::filesystem::path& path) {
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path.string());
    if (net.empty()) return Status::InvalidArgument("OpenCV DNN could not load " + path.string());
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("OpenCV DNN could not load " + path.string() + ": " + e.what());
  }
}

}  // namespace

std::string_view FrontEndName(FrontEnd front_end) {
  return front_end == FrontEnd::kDlib ? "dlib" : "onnx";
}

Result<FrontEnd> ParseFrontEnd(std::string_view name) {
  if (name == "dlib") return FrontEnd::kDlib;
  if (name == "onnx") return FrontEnd::kOnnx;
  return Status::InvalidArgument("unknown face front end '" + std::string(name) + "' (expected dlib or onnx)");
}

Result<std::unique_ptr<FaceDetector>> NewDlibFaceDetector(const std::filesystem::path& shape_predictor_path) {
  dlib::shape_predictor predictor;
  try {
    dlib::deserialize(shape_predictor_path.string()) >> predictor;
  } catch (const std::exception& e) {
    return Status::InvalidArgument("cannot load dlib shape predictor " + shape_predictor_path.string() + ": " +
                                   e.what());
  }
  if (predictor.num_parts() != 68) {
    return Status::InvalidArgument(shape_predictor_path.string() + " predicts " +
                                   std::to_string(predictor.num_parts()) + " points, not 68");
  }
  return std::unique_ptr<FaceDetector>(new DlibFaceDetector(std::move(predictor)));
}

Result<std::unique_ptr<FaceDetector>> NewOnnxFaceDetector(const std::filesystem::path& detector_path,
                                                          const std::filesystem::path& landmark_path) {
  ABIS_ASSIGN_OR_RETURN(cv::dnn::Net detector, ReadOnnx(detector_path));
  ABIS_ASSIGN_OR_RETURN(cv::dnn::Net landmarks, ReadOnnx(landmark_path));
  return std::unique_ptr<FaceDetector>(new OnnxFaceDetector(std::move(detector), std::move(landmarks)));
}

}  // namespace abis::face

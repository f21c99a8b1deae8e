#pragma once

#include <QString>
#include <cstdint>
#include <functional>

namespace segstudio {

class DatasetProject;

struct DatasetExportOptions {
    enum class Format { Voc, Coco };
    Format format = Format::Voc;
    bool all = false;    // every image that has a mask, not only the reviewed ones
    int valPercent = 20; // VOC: about this share of the images goes to val.txt
};

struct DatasetExportSummary {
    int images = 0;
    std::int64_t annotations = 0; // COCO: regions written
};

// Writes a project's masks as a dataset that training code reads as it is:
//  - VOC: JPEGImages/ (the original files, byte for byte, whatever their format),
//    SegmentationClass/ (8-bit indexed PNG, value = class id, 255 = unlabeled, the classes'
//    colours as palette), ImageSets/Segmentation/{train,val,trainval}.txt, and the classes as
//    classes.json (our palette) and class_names.txt ("id name" per line). An image's name is its
//    path in the project with '/' made '_' (tile_1/images/a.jpg -> tile_1_images_a).
//    The val split is chosen by the CRC-32 of the name, so it stays put as images are added.
//  - COCO: images/ (the originals, under their project paths) and annotations.json: one
//    annotation per class and 8-connected region per image, `segmentation` a compressed RLE
//    exactly as pycocotools writes it, `area`, `bbox` [x, y, w, h]; category id = class id + 1
//    (COCO keeps 0 for none), the class id kept as "mask_value".
// Reads each image's size and mask on the calling thread (a worker's). Every file is written
// atomically; a failure stops the export with *error naming the image and the reason (a missing
// image, a mask of the wrong size, a full disk), leaving the files already written whole.
// `progress(done, total)` may return false to cancel (then *error says so).
bool exportDataset(const DatasetProject& project, const QString& outputFolder,
                   const DatasetExportOptions& options, DatasetExportSummary* summary, QString* error,
                   const std::function<bool(int done, int total)>& progress = {});

} // namespace segstudio

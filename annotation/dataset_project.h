#pragma once

#include "annotation/class_palette.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QSize>
#include <QString>
#include <optional>

namespace segstudio {

// Where an image of a project stands. New: no mask yet; Predicted: a model's mask nobody has
// edited; InProgress: a person has edited it; Reviewed: a person has marked it done.
enum class ImageStatus { New, Predicted, InProgress, Reviewed };
QString statusName(ImageStatus status); // "new", "predicted", "in progress", "reviewed"

// One image of a project. Paths are relative to the project file's folder, with '/' between
// parts, so the folder can move.
struct ProjectImage {
    QString image;
    QString mask;       // the project's mask of the image (written on save), in segstudio/masks/
    QString sourceMask; // a mask that came with the image (imported); read until `mask` exists
    ImageStatus status = ImageStatus::New;
    QDateTime modified;         // the mask was last saved
    QDateTime reviewed;         // marked reviewed
    QSize size;                 // empty until the image was opened once
    double meanConfidence = -1; // of its last prediction, 0-1; -1 when unknown
    double changedShare = -1;   // share of pixels the person changed from the prediction given
    int reviewOrder = 0;        // 1, 2, ... in the order images were reviewed; 0 when not
    QString reference;          // a reference mask to score the mask against (review); may be empty
    double referenceMiou = -1;  // mIoU of the mask against the reference, 0-1; -1 when not scored
};

// A model version of the project: a bundle stored in the project's folder.
struct ProjectModel {
    int version = 0;
    QString bundle; // relative, like ProjectImage paths
    QDateTime created;
    int trainedImages = 0; // reviewed images it learnt from
};

// A dataset being annotated: a versioned JSON file (FORMAT below) listing the images with their
// masks and statuses, the classes and the model versions. Loading and saving read and write
// files: call them on a worker thread. Saving is atomic (a temporary beside the file, renamed
// over it), so a crash or a full disk leaves the previous file whole.
//
// FORMAT: {"format": "segstudio-project", "version": 1, "classes": {palette},
//          "images": [{"image": "a/b.jpg", "mask": "segstudio/masks/a/b.png", "status":
//          "reviewed", ...}], "models": [{"version": 1, "bundle": "segstudio/models/v1/model.pt"}]}
class DatasetProject {
public:
    static constexpr int FormatVersion = 1;
    static constexpr const char* Extension = "segproj";

    // Every image under `folder` (any depth, sorted by path; masks folders and segstudio's own
    // data left out), with the mask beside it where the folder is laid out as X/images/ +
    // X/masks/ (or VOC's JPEGImages/ + SegmentationClass/) with files of the same base name.
    // The project file will be `projectPath` (in or above `folder`). Nothing is written; fails
    // when the folder holds no image.
    static std::optional<DatasetProject> fromFolder(const QString& folder, const QString& projectPath,
                                                    const ClassPalette& classes, QString* error);
    // Reads and checks a project file: a damaged file, an unknown version, an unknown status or
    // a path leaving the project's folder is an error naming the file and the entry.
    static std::optional<DatasetProject> load(const QString& path, QString* error);
    // The same from the file's content (`path` is where it was read from).
    static std::optional<DatasetProject> fromJson(const QByteArray& json, const QString& path,
                                                  QString* error);
    // `folder`/`name of folder`.segproj
    static QString defaultPathFor(const QString& folder);

    bool save(QString* error) const;
    QByteArray toJson() const;

    QString path() const { return m_path; }
    QString folder() const;
    QString absolute(const QString& relative) const;
    QString relative(const QString& absolutePath) const;

    const ClassPalette& classes() const { return m_classes; }
    void setClasses(const ClassPalette& classes) { m_classes = classes; }
    int size() const { return int(m_images.size()); }
    const QList<ProjectImage>& images() const { return m_images; }
    const ProjectImage& image(int index) const { return m_images.at(index); }
    ProjectImage& image(int index) { return m_images[index]; }
    // The file to read the mask of image `index` from: the project's mask once it exists, else
    // the mask the image came with, else the project's mask (to be created on the first save).
    QString maskToRead(int index) const;
    int count(ImageStatus status) const;

    // Reference masks for the images among the mask files under `folder` (inside the project's
    // folder): the one at the image's own path there (without extension), else the only one of
    // its base name. Image index -> relative path. Reads the folder: a worker thread's job.
    QHash<int, QString> referencesIn(const QString& folder, QString* error) const;

    // Marks image `index` reviewed (next in review order) at `when`.
    void markReviewed(int index, const QDateTime& when);

    const QList<ProjectModel>& models() const { return m_models; }
    void addModel(const ProjectModel& model) { m_models.append(model); }
    // The folder new model versions go into (segstudio/models/ under the project's folder).
    QString modelFolder() const;

private:
    QString m_path;
    ClassPalette m_classes;
    QList<ProjectImage> m_images;
    QList<ProjectModel> m_models;
};

} // namespace segstudio

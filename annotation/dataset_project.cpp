#include "annotation/dataset_project.h"

#include "storage/atomic_file.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <cmath>

namespace segstudio {
namespace {

constexpr const char* FormatName = "segstudio-project";
const QString DataFolder = QStringLiteral("segstudio");

const QStringList& imageSuffixes() {
    static const QStringList suffixes{QStringLiteral("jpg"), QStringLiteral("jpeg"), QStringLiteral("png"),
                                      QStringLiteral("tif"), QStringLiteral("tiff"), QStringLiteral("jp2"),
                                      QStringLiteral("bmp"), QStringLiteral("webp")};
    return suffixes;
}

// Folders that hold masks (or our own data), never images to label.
bool isMaskFolder(const QString& name) {
    return name == QLatin1String("masks") || name == QLatin1String("SegmentationClass") ||
           name == QLatin1String("SegmentationObject") || name == DataFolder;
}

bool isImageFile(const QFileInfo& file) {
    const QString name = file.fileName();
    // A mask's sidecar (MASK.provenance.tif) is not an image either.
    return imageSuffixes().contains(file.suffix().toLower()) &&
           !name.endsWith(QLatin1String(".provenance.tif"));
}

// The mask that came with `image` in a VOC-like layout: X/images/a.jpg with X/masks/a.png (or
// .tif), X/JPEGImages/a.jpg with X/SegmentationClass/a.png.
QString maskBeside(const QFileInfo& image) {
    const QDir imageFolder = image.dir();
    const QString folderName = imageFolder.dirName();
    QStringList candidates;
    if (folderName == QLatin1String("images"))
        candidates = {QStringLiteral("../masks/%1.png"), QStringLiteral("../masks/%1.tif"),
                      QStringLiteral("../masks/%1.tiff")};
    else if (folderName == QLatin1String("JPEGImages"))
        candidates = {QStringLiteral("../SegmentationClass/%1.png")};
    for (const QString& candidate : candidates) {
        const QString path = QDir::cleanPath(imageFolder.filePath(candidate.arg(image.completeBaseName())));
        if (QFileInfo(path).isFile())
            return path;
    }
    return {};
}

const std::array<ImageStatus, 4> AllStatuses{ImageStatus::New, ImageStatus::Predicted,
                                             ImageStatus::InProgress, ImageStatus::Reviewed};

std::optional<ImageStatus> statusFromName(const QString& name) {
    for (ImageStatus status : AllStatuses)
        if (statusName(status) == name)
            return status;
    return std::nullopt;
}

// A relative path that stays inside the project's folder.
bool isInsideProject(const QString& path) {
    if (path.isEmpty() || QDir::isAbsolutePath(path))
        return false;
    const QString clean = QDir::cleanPath(path);
    return clean != QLatin1String("..") && !clean.startsWith(QLatin1String("../"));
}

QString dateText(const QDateTime& time) {
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : QString();
}

QJsonObject imageToJson(const ProjectImage& image) {
    QJsonObject entry{{QStringLiteral("image"), image.image},
                      {QStringLiteral("mask"), image.mask},
                      {QStringLiteral("status"), statusName(image.status)}};
    if (!image.sourceMask.isEmpty())
        entry.insert(QStringLiteral("source_mask"), image.sourceMask);
    if (image.modified.isValid())
        entry.insert(QStringLiteral("modified"), dateText(image.modified));
    if (image.reviewed.isValid())
        entry.insert(QStringLiteral("reviewed"), dateText(image.reviewed));
    if (!image.size.isEmpty()) {
        entry.insert(QStringLiteral("width"), image.size.width());
        entry.insert(QStringLiteral("height"), image.size.height());
    }
    if (image.meanConfidence >= 0)
        entry.insert(QStringLiteral("mean_confidence"), image.meanConfidence);
    if (image.changedShare >= 0)
        entry.insert(QStringLiteral("changed_share"), image.changedShare);
    if (image.reviewOrder > 0)
        entry.insert(QStringLiteral("review_order"), image.reviewOrder);
    if (!image.reference.isEmpty())
        entry.insert(QStringLiteral("reference"), image.reference);
    if (image.referenceMiou >= 0)
        entry.insert(QStringLiteral("reference_miou"), image.referenceMiou);
    return entry;
}

// Reads one image entry; an empty string when it is good, else what is wrong with it.
QString imageFromJson(const QJsonObject& entry, ProjectImage& image) {
    image.image = entry.value(QStringLiteral("image")).toString();
    image.mask = entry.value(QStringLiteral("mask")).toString();
    image.sourceMask = entry.value(QStringLiteral("source_mask")).toString();
    if (!isInsideProject(image.image))
        return QObject::tr("its image path \"%1\" is not a path inside the project's folder")
            .arg(image.image);
    if (!isInsideProject(image.mask))
        return QObject::tr("its mask path \"%1\" is not a path inside the project's folder").arg(image.mask);
    if (!image.sourceMask.isEmpty() && !isInsideProject(image.sourceMask))
        return QObject::tr("its source mask \"%1\" is not a path inside the project's folder")
            .arg(image.sourceMask);
    image.reference = entry.value(QStringLiteral("reference")).toString();
    if (!image.reference.isEmpty() && !isInsideProject(image.reference))
        return QObject::tr("its reference mask \"%1\" is not a path inside the project's folder")
            .arg(image.reference);
    const QString status = entry.value(QStringLiteral("status")).toString();
    const auto parsed = statusFromName(status);
    if (!parsed)
        return QObject::tr("its status \"%1\" is not one of new, predicted, in progress, reviewed")
            .arg(status);
    image.status = *parsed;
    image.modified = QDateTime::fromString(entry.value(QStringLiteral("modified")).toString(), Qt::ISODate);
    image.reviewed = QDateTime::fromString(entry.value(QStringLiteral("reviewed")).toString(), Qt::ISODate);
    const int width = entry.value(QStringLiteral("width")).toInt(0);
    const int height = entry.value(QStringLiteral("height")).toInt(0);
    if (width < 0 || height < 0)
        return QObject::tr("its size %1 × %2 is negative").arg(width).arg(height);
    image.size = QSize(width, height);
    for (auto [key, value] : {std::pair{"mean_confidence", &image.meanConfidence},
                              std::pair{"changed_share", &image.changedShare},
                              std::pair{"reference_miou", &image.referenceMiou}}) {
        const double number = entry.value(QLatin1String(key)).toDouble(-1);
        if (!std::isfinite(number) || number > 1)
            return QObject::tr("its %1 is not a share between 0 and 1").arg(QLatin1String(key));
        *value = number < 0 ? -1 : number;
    }
    image.reviewOrder = std::max(0, entry.value(QStringLiteral("review_order")).toInt(0));
    return {};
}

} // namespace

QString statusName(ImageStatus status) {
    switch (status) {
    case ImageStatus::New:
        return QStringLiteral("new");
    case ImageStatus::Predicted:
        return QStringLiteral("predicted");
    case ImageStatus::InProgress:
        return QStringLiteral("in progress");
    case ImageStatus::Reviewed:
        return QStringLiteral("reviewed");
    }
    return {};
}

QString DatasetProject::defaultPathFor(const QString& folder) {
    const QDir dir(folder);
    QString name = QFileInfo(dir.absolutePath()).fileName();
    if (name.isEmpty())
        name = QStringLiteral("project");
    return dir.absoluteFilePath(name + QLatin1Char('.') + QLatin1String(Extension));
}

std::optional<DatasetProject> DatasetProject::fromFolder(const QString& folder, const QString& projectPath,
                                                         const ClassPalette& classes, QString* error) {
    if (!QFileInfo(folder).isDir()) {
        *error = QObject::tr("%1 is not a folder").arg(QDir::toNativeSeparators(folder));
        return std::nullopt;
    }
    DatasetProject project;
    project.m_path = QFileInfo(projectPath).absoluteFilePath();
    project.m_classes = classes;
    QStringList files;
    // Walks by hand rather than with QDirIterator's Subdirectories: mask folders are pruned, not
    // only filtered, so a dataset's thousands of masks are never listed.
    QStringList pending{QDir(folder).absolutePath()};
    while (!pending.isEmpty()) {
        const QDir dir(pending.takeLast());
        for (const QFileInfo& entry :
             dir.entryInfoList(QDir::Dirs | QDir::Files | QDir::NoDotAndDotDot | QDir::NoSymLinks)) {
            if (entry.isDir()) {
                if (!isMaskFolder(entry.fileName()))
                    pending.append(entry.absoluteFilePath());
            } else if (isImageFile(entry)) {
                files.append(entry.absoluteFilePath());
            }
        }
    }
    std::sort(files.begin(), files.end());
    for (const QString& file : files) {
        ProjectImage image;
        image.image = project.relative(file);
        if (!isInsideProject(image.image)) {
            *error = QObject::tr("The project file %1 must be in the folder of its images or above it")
                         .arg(QDir::toNativeSeparators(projectPath));
            return std::nullopt;
        }
        // The image's path inside the masks folder keeps images of the same name apart.
        image.mask = QDir::cleanPath(DataFolder + QStringLiteral("/masks/") + QFileInfo(image.image).path() +
                                     QLatin1Char('/') + QFileInfo(image.image).completeBaseName() +
                                     QStringLiteral(".png"));
        const QString source = maskBeside(QFileInfo(file));
        if (!source.isEmpty()) {
            // A mask that came with the image is a person's labels: the image counts as reviewed
            // (exported without --all) until someone changes it.
            image.sourceMask = project.relative(source);
            image.status = ImageStatus::Reviewed;
            image.reviewOrder = int(project.m_images.size()) + 1;
        }
        project.m_images.append(image);
    }
    if (project.m_images.isEmpty()) {
        *error = QObject::tr("%1 holds no images (JPEG, PNG, TIFF, JPEG 2000, BMP or WebP files)")
                     .arg(QDir::toNativeSeparators(folder));
        return std::nullopt;
    }
    return project;
}

std::optional<DatasetProject> DatasetProject::load(const QString& path, QString* error) {
    const QString name = QDir::toNativeSeparators(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("Cannot read the project %1: %2").arg(name, file.errorString());
        return std::nullopt;
    }
    return fromJson(file.readAll(), path, error);
}

std::optional<DatasetProject> DatasetProject::fromJson(const QByteArray& json, const QString& path,
                                                       QString* error) {
    const QString name = QDir::toNativeSeparators(path);
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (document.isNull() || !document.isObject()) {
        *error = QObject::tr("%1 is not a segstudio project: it is not valid JSON (%2 at byte %3)")
                     .arg(name, parseError.errorString())
                     .arg(parseError.offset);
        return std::nullopt;
    }
    const QJsonObject root = document.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String(FormatName)) {
        *error =
            QObject::tr("%1 is not a segstudio project (its \"format\" is not \"%2\")").arg(name, FormatName);
        return std::nullopt;
    }
    const int version = root.value(QStringLiteral("version")).toInt(0);
    if (version < 1 || version > FormatVersion) {
        *error = QObject::tr("%1 is a project of format version %2; this segstudio reads version %3. "
                             "Open it with a newer segstudio.")
                     .arg(name)
                     .arg(root.value(QStringLiteral("version")).toVariant().toString())
                     .arg(FormatVersion);
        return std::nullopt;
    }
    DatasetProject project;
    project.m_path = QFileInfo(path).absoluteFilePath();
    QString why;
    const auto classes = ClassPalette::fromJson(
        QJsonDocument(root.value(QStringLiteral("classes")).toObject()).toJson(QJsonDocument::Compact), &why);
    if (!classes || classes->isEmpty()) {
        *error = QObject::tr("The classes of the project %1 cannot be used: %2")
                     .arg(name, why.isEmpty() ? QObject::tr("there are none") : why);
        return std::nullopt;
    }
    project.m_classes = *classes;
    const QJsonArray images = root.value(QStringLiteral("images")).toArray();
    project.m_images.reserve(images.size());
    for (qsizetype i = 0; i < images.size(); ++i) {
        ProjectImage image;
        why = imageFromJson(images.at(i).toObject(), image);
        if (!why.isEmpty()) {
            *error = QObject::tr("Image %1 of the project %2 cannot be used: %3").arg(i + 1).arg(name, why);
            return std::nullopt;
        }
        project.m_images.append(image);
    }
    for (const QJsonValue& value : root.value(QStringLiteral("models")).toArray()) {
        const QJsonObject entry = value.toObject();
        ProjectModel model;
        model.version = entry.value(QStringLiteral("version")).toInt(0);
        model.bundle = entry.value(QStringLiteral("bundle")).toString();
        model.created = QDateTime::fromString(entry.value(QStringLiteral("created")).toString(), Qt::ISODate);
        model.trainedImages = entry.value(QStringLiteral("trained_images")).toInt(0);
        if (model.version < 1 || !isInsideProject(model.bundle)) {
            *error =
                QObject::tr("A model version of the project %1 cannot be used: its bundle \"%2\" is not a "
                            "path inside the project's folder")
                    .arg(name, model.bundle);
            return std::nullopt;
        }
        project.m_models.append(model);
    }
    return project;
}

QByteArray DatasetProject::toJson() const {
    QJsonArray images;
    for (const ProjectImage& image : m_images)
        images.append(imageToJson(image));
    QJsonArray models;
    for (const ProjectModel& model : m_models)
        models.append(QJsonObject{{QStringLiteral("version"), model.version},
                                  {QStringLiteral("bundle"), model.bundle},
                                  {QStringLiteral("created"), dateText(model.created)},
                                  {QStringLiteral("trained_images"), model.trainedImages}});
    const QJsonObject root{{QStringLiteral("format"), QLatin1String(FormatName)},
                           {QStringLiteral("version"), FormatVersion},
                           {QStringLiteral("classes"), QJsonDocument::fromJson(m_classes.toJson()).object()},
                           {QStringLiteral("images"), images},
                           {QStringLiteral("models"), models}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

bool DatasetProject::save(QString* error) const {
    const QByteArray json = toJson();
    storage::PendingFile file;
    std::string why;
    if (!file.create(QFile::encodeName(m_path).toStdString(), &why) ||
        !file.write(json.constData(), size_t(json.size()), &why) || !file.finish(&why) ||
        !file.commit(&why)) {
        *error = QObject::tr("Cannot save the project %1: %2")
                     .arg(QDir::toNativeSeparators(m_path), QString::fromStdString(why));
        return false;
    }
    return true;
}

QString DatasetProject::folder() const {
    return QFileInfo(m_path).absolutePath();
}

QString DatasetProject::absolute(const QString& relative) const {
    return QDir::cleanPath(QDir(folder()).absoluteFilePath(relative));
}

QString DatasetProject::relative(const QString& absolutePath) const {
    return QDir(folder()).relativeFilePath(absolutePath);
}

QHash<int, QString> DatasetProject::referencesIn(const QString& folder, QString* error) const {
    QHash<int, QString> references;
    const QString root = QDir(folder).absolutePath();
    if (!isInsideProject(relative(root)) && QDir::cleanPath(root) != QDir::cleanPath(this->folder())) {
        *error = QObject::tr("The reference masks must be inside the project's folder (%1), so that the "
                             "project can move with them; %2 is not.")
                     .arg(QDir::toNativeSeparators(this->folder()), QDir::toNativeSeparators(root));
        return references;
    }
    QHash<QString, QString> byPath;     // path under `folder` without extension -> relative path
    QHash<QString, QStringList> byName; // base name -> relative paths
    QDirIterator files(root, {QStringLiteral("*.png"), QStringLiteral("*.tif"), QStringLiteral("*.tiff")},
                       QDir::Files | QDir::NoSymLinks, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        const QFileInfo file(files.next());
        if (file.fileName().contains(QLatin1String(".provenance.")))
            continue; // our sidecar, not a mask
        const QString under = QDir(root).relativeFilePath(file.absoluteFilePath());
        const QString key =
            QDir::cleanPath(QFileInfo(under).path() + QLatin1Char('/') + file.completeBaseName());
        byPath.insert(key, relative(file.absoluteFilePath()));
        byName[file.completeBaseName()].append(relative(file.absoluteFilePath()));
    }
    for (int i = 0; i < m_images.size(); ++i) {
        const QFileInfo image(m_images[i].image);
        const QString key = QDir::cleanPath(image.path() + QLatin1Char('/') + image.completeBaseName());
        if (const auto exact = byPath.constFind(key); exact != byPath.cend())
            references.insert(i, *exact);
        else if (const QStringList named = byName.value(image.completeBaseName()); named.size() == 1)
            references.insert(i, named.first());
    }
    if (references.isEmpty())
        *error = QObject::tr("No mask in %1 has the name of an image of the project.")
                     .arg(QDir::toNativeSeparators(root));
    return references;
}

QString DatasetProject::maskToRead(int index) const {
    const ProjectImage& entry = m_images.at(index);
    const QString mask = absolute(entry.mask);
    if (QFileInfo::exists(mask) || entry.sourceMask.isEmpty())
        return mask;
    return absolute(entry.sourceMask);
}

int DatasetProject::count(ImageStatus status) const {
    return int(std::count_if(m_images.begin(), m_images.end(),
                             [status](const ProjectImage& image) { return image.status == status; }));
}

void DatasetProject::markReviewed(int index, const QDateTime& when) {
    ProjectImage& entry = m_images[index];
    if (entry.status != ImageStatus::Reviewed || entry.reviewOrder == 0) {
        int last = 0;
        for (const ProjectImage& image : m_images)
            last = std::max(last, image.reviewOrder);
        entry.reviewOrder = last + 1;
    }
    entry.status = ImageStatus::Reviewed;
    entry.reviewed = when;
}

QString DatasetProject::modelFolder() const {
    return absolute(DataFolder + QStringLiteral("/models"));
}

} // namespace segstudio

#include "annotation/dataset_export.h"

#include "annotation/coco_rle.h"
#include "annotation/dataset_project.h"
#include "annotation/label_raster_format.h"
#include "annotation/mask_dataset.h"
#include "annotation/mask_files.h"
#include "annotation/raster_source.h"
#include "storage/atomic_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <zlib.h>

namespace segstudio {
namespace {

std::string native(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

bool fail(QString* error, const QString& why) {
    *error = why;
    return false;
}

bool makeFolder(const QString& folder, QString* error) {
    std::string why;
    return storage::makeFolders(native(folder), &why) || fail(error, QString::fromStdString(why));
}

bool writeBytes(const QString& target, const QByteArray& bytes, QString* error) {
    storage::PendingFile file;
    std::string why;
    if (file.create(native(target), &why) && file.write(bytes.constData(), size_t(bytes.size()), &why) &&
        file.finish(&why) && file.commit(&why))
        return true;
    return fail(error, QObject::tr("Cannot write %1: %2")
                           .arg(QDir::toNativeSeparators(target), QString::fromStdString(why)));
}

// A copy of `source` at `target`, byte for byte, streamed.
bool copyFile(const QString& source, const QString& target, QString* error) {
    QFile in(source);
    if (!in.open(QIODevice::ReadOnly))
        return fail(
            error, QObject::tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(source), in.errorString()));
    storage::PendingFile file;
    std::string why;
    bool ok = file.create(native(target), &why);
    QByteArray chunk;
    while (ok && !in.atEnd()) {
        chunk = in.read(1 << 20);
        if (chunk.isEmpty() && in.error() != QFileDevice::NoError)
            return fail(
                error,
                QObject::tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(source), in.errorString()));
        ok = file.write(chunk.constData(), size_t(chunk.size()), &why);
    }
    if (ok && file.finish(&why) && file.commit(&why))
        return true;
    return fail(error, QObject::tr("Cannot write %1: %2")
                           .arg(QDir::toNativeSeparators(target), QString::fromStdString(why)));
}

// One image to export, read: its mask as class ids and its size.
struct ExportedImage {
    int index = 0;
    QSize size;
    LabelMask mask;
};

bool readImage(const DatasetProject& project, int index, ExportedImage& out, QString* error) {
    const ProjectImage& entry = project.image(index);
    const QString imagePath = project.absolute(entry.image);
    QString why;
    const auto source = RasterSource::open(imagePath, &why);
    if (!source)
        return fail(error, QObject::tr("Image %1 (%2): %3").arg(index + 1).arg(entry.image, why));
    auto mask = MaskFiles::load(project.maskToRead(index), source->size(), project.classes(), &why);
    if (!mask)
        return fail(error, QObject::tr("The mask of image %1 (%2): %3").arg(index + 1).arg(entry.image, why));
    out.index = index;
    out.size = source->size();
    out.mask = std::move(*mask);
    return true;
}

// VOC names every image by one file name; the project's path keeps names of images in different
// folders apart.
QString exportName(const QString& relativeImage, QSet<QString>& taken) {
    QString base =
        QFileInfo(relativeImage).path() + QLatin1Char('/') + QFileInfo(relativeImage).completeBaseName();
    base = QDir::cleanPath(base).replace(QLatin1Char('/'), QLatin1Char('_'));
    QString name = base;
    for (int n = 2; taken.contains(name); ++n)
        name = base + QLatin1Char('_') + QString::number(n);
    taken.insert(name);
    return name;
}

bool writeVocMask(const LabelMask& mask, const ClassPalette& palette, const QString& target, QString* error) {
    storage::PendingFile file;
    std::string why;
    if (!file.create(native(target), &why))
        return fail(error, QString::fromStdString(why));
    LabelRasterFormat::NoAuxSidecar noAux;
    MaskDataset classes(mask, MaskDataset::Plane::Classes, palette, Georeference());
    CPLStringList options;
    options.SetNameValue("ZLEVEL", "6");
    if (!LabelRasterFormat::writeCopy(file, "PNG", GDALDataset::ToHandle(&classes), options.List(), error))
        return false;
    return file.commit(&why) || fail(error, QString::fromStdString(why));
}

QByteArray classNames(const ClassPalette& palette) {
    QByteArray text;
    for (const LabelClass& labelClass : palette.classes())
        text += QByteArray::number(labelClass.id) + ' ' + labelClass.name.toUtf8() + '\n';
    return text;
}

QList<int> imagesToExport(const DatasetProject& project, bool all) {
    QList<int> indices;
    for (int i = 0; i < project.size(); ++i) {
        const bool hasMask = QFileInfo::exists(project.maskToRead(i));
        if (hasMask && (all || project.image(i).status == ImageStatus::Reviewed))
            indices.append(i);
    }
    return indices;
}

class Exporter {
public:
    Exporter(const DatasetProject& project, const QString& output, const DatasetExportOptions& options,
             const std::function<bool(int, int)>& progress)
        : m_project(project)
        , m_output(QDir(output).absolutePath())
        , m_options(options)
        , m_progress(progress) {}

    bool run(DatasetExportSummary* summary, QString* error) {
        const QList<int> indices = imagesToExport(m_project, m_options.all);
        if (indices.isEmpty())
            return fail(error, m_options.all
                                   ? QObject::tr("No image of the project has a mask yet")
                                   : QObject::tr("No image of the project is reviewed yet; mark images "
                                                 "reviewed, or export every image with a mask (--all)"));
        const bool ok = m_options.format == DatasetExportOptions::Format::Voc ? voc(indices, error)
                                                                              : coco(indices, error);
        *summary = m_summary;
        return ok;
    }

private:
    bool step(int done, int total, QString* error) {
        if (m_progress && !m_progress(done, total))
            return fail(error, QObject::tr("The export was cancelled"));
        return true;
    }

    bool readNext(const QList<int>& indices, int n, ExportedImage& image, QString* error) {
        return step(n, int(indices.size()), error) && readImage(m_project, indices[n], image, error);
    }

    bool voc(const QList<int>& indices, QString* error) {
        const QDir out(m_output);
        for (const char* folder : {"JPEGImages", "SegmentationClass", "ImageSets/Segmentation"})
            if (!makeFolder(out.filePath(QLatin1String(folder)), error))
                return false;
        QSet<QString> taken;
        QByteArray train, val, trainval;
        for (int n = 0; n < indices.size(); ++n) {
            ExportedImage image;
            if (!readNext(indices, n, image, error))
                return false;
            const ProjectImage& entry = m_project.image(image.index);
            const QString name = exportName(entry.image, taken);
            const QString suffix = QFileInfo(entry.image).suffix();
            if (!copyFile(m_project.absolute(entry.image),
                          out.filePath(QStringLiteral("JPEGImages/%1.%2").arg(name, suffix)), error) ||
                !writeVocMask(image.mask, m_project.classes(),
                              out.filePath(QStringLiteral("SegmentationClass/%1.png").arg(name)), error))
                return false;
            const QByteArray utf8 = name.toUtf8();
            const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(utf8.constData()), uInt(utf8.size()));
            (int(crc % 100) < m_options.valPercent ? val : train) += utf8 + '\n';
            trainval += utf8 + '\n';
            ++m_summary.images;
        }
        const QString sets = out.filePath(QStringLiteral("ImageSets/Segmentation/"));
        return writeBytes(sets + QStringLiteral("train.txt"), train, error) &&
               writeBytes(sets + QStringLiteral("val.txt"), val, error) &&
               writeBytes(sets + QStringLiteral("trainval.txt"), trainval, error) &&
               writeBytes(out.filePath(QStringLiteral("classes.json")), m_project.classes().toJson(),
                          error) &&
               writeBytes(out.filePath(QStringLiteral("class_names.txt")), classNames(m_project.classes()),
                          error) &&
               step(int(indices.size()), int(indices.size()), error);
    }

    bool coco(const QList<int>& indices, QString* error) {
        const QDir out(m_output);
        QJsonArray categories;
        for (const LabelClass& labelClass : m_project.classes().classes())
            categories.append(QJsonObject{{QStringLiteral("id"), labelClass.id + 1},
                                          {QStringLiteral("name"), labelClass.name},
                                          {QStringLiteral("supercategory"), QString()},
                                          {QStringLiteral("mask_value"), labelClass.id},
                                          {QStringLiteral("color"), labelClass.color.name()}});
        // The annotations are streamed into the file as each image is done: a dataset's can be far
        // larger than the memory its images need one at a time.
        storage::PendingFile file;
        std::string why;
        const QString target = out.filePath(QStringLiteral("annotations.json"));
        if (!makeFolder(m_output, error) || !file.create(native(target), &why))
            return fail(error, QObject::tr("Cannot write %1: %2")
                                   .arg(QDir::toNativeSeparators(target), QString::fromStdString(why)));
        const auto put = [&](const QByteArray& bytes) {
            return file.write(bytes.constData(), size_t(bytes.size()), &why);
        };
        const QJsonObject info{
            {QStringLiteral("description"), QFileInfo(m_project.path()).completeBaseName()},
            {QStringLiteral("version"), QStringLiteral("1.0")},
            {QStringLiteral("contributor"), QStringLiteral("segstudio")}};
        bool ok = put("{\"info\": " + QJsonDocument(info).toJson(QJsonDocument::Compact) +
                      ",\n\"licenses\": [],\n\"categories\": " +
                      QJsonDocument(categories).toJson(QJsonDocument::Compact) + ",\n\"annotations\": [");
        QJsonArray images;
        std::int64_t annotationId = 0;
        std::vector<std::uint8_t> classes;
        for (int n = 0; ok && n < indices.size(); ++n) {
            ExportedImage image;
            if (!readNext(indices, n, image, error))
                return false;
            const ProjectImage& entry = m_project.image(image.index);
            const QString copy = out.filePath(QStringLiteral("images/") + entry.image);
            if (!makeFolder(QFileInfo(copy).path(), error) ||
                !copyFile(m_project.absolute(entry.image), copy, error))
                return false;
            const int imageId = n + 1;
            images.append(QJsonObject{{QStringLiteral("id"), imageId},
                                      {QStringLiteral("file_name"), entry.image},
                                      {QStringLiteral("width"), image.size.width()},
                                      {QStringLiteral("height"), image.size.height()}});
            classes.resize(size_t(image.size.width()) * image.size.height());
            image.mask.readClasses(image.mask.rect(), classes.data(), image.size.width());
            for (const CocoRegion& region :
                 CocoRle::regions(classes.data(), image.size.width(), image.size.height())) {
                const QJsonObject annotation{
                    {QStringLiteral("id"), qint64(++annotationId)},
                    {QStringLiteral("image_id"), imageId},
                    {QStringLiteral("category_id"), region.classId + 1},
                    {QStringLiteral("segmentation"),
                     QJsonObject{
                         {QStringLiteral("size"), QJsonArray{image.size.height(), image.size.width()}},
                         {QStringLiteral("counts"), QString::fromLatin1(CocoRle::compress(region.counts))}}},
                    {QStringLiteral("area"), qint64(region.area)},
                    {QStringLiteral("bbox"),
                     QJsonArray{region.box.x(), region.box.y(), region.box.width(), region.box.height()}},
                    {QStringLiteral("iscrowd"), 0}};
                ok = ok && put((annotationId > 1 ? ",\n" : "\n") +
                               QJsonDocument(annotation).toJson(QJsonDocument::Compact));
            }
            ++m_summary.images;
        }
        m_summary.annotations = annotationId;
        ok = ok &&
             put("\n],\n\"images\": " + QJsonDocument(images).toJson(QJsonDocument::Compact) + "\n}\n") &&
             file.finish(&why) && file.commit(&why);
        if (!ok)
            return fail(error, QObject::tr("Cannot write %1: %2")
                                   .arg(QDir::toNativeSeparators(target), QString::fromStdString(why)));
        return writeBytes(out.filePath(QStringLiteral("classes.json")), m_project.classes().toJson(),
                          error) &&
               step(int(indices.size()), int(indices.size()), error);
    }

    const DatasetProject& m_project;
    QString m_output;
    DatasetExportOptions m_options;
    const std::function<bool(int, int)>& m_progress;
    DatasetExportSummary m_summary;
};

} // namespace

bool exportDataset(const DatasetProject& project, const QString& outputFolder,
                   const DatasetExportOptions& options, DatasetExportSummary* summary, QString* error,
                   const std::function<bool(int, int)>& progress) {
    return Exporter(project, outputFolder, options, progress).run(summary, error);
}

} // namespace segstudio

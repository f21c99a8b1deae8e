#include "app/cli/cli_support.h"

#include "annotation/raster_source.h"
#include "app/app_paths.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <cstdio>

namespace segstudio::cli {

int failWith(const QString& message) {
    std::fprintf(stderr, "segstudio-cli: %s\n", qUtf8Printable(message));
    return 1;
}

QString resolveModelPath(const QString& model) {
    if (model == QLatin1String("default"))
        return QDir(sharedDataDirectory()).absoluteFilePath(QStringLiteral("models/default/model.pt"));
    return model;
}

std::unique_ptr<inference::SegmentationModel> loadModel(const QString& model, QString* error) {
    std::string why;
    auto loaded = inference::SegmentationModel::load(resolveModelPath(model).toStdString(), &why);
    if (!loaded && error)
        *error = QString::fromStdString(why);
    return loaded;
}

std::optional<ClassPalette> loadClasses(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("cannot read the class list %1").arg(path);
        return std::nullopt;
    }
    const QByteArray content = file.readAll();
    if (path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) {
        ClassPalette palette;
        const QList<QByteArray> lines = content.split('\n');
        for (int i = 1; i < lines.size(); ++i) { // line 0 is the header
            const QByteArray line = lines[i].trimmed();
            if (line.isEmpty())
                continue;
            // index,"name",#hex,...: names may be quoted and contain spaces and parentheses.
            const int firstComma = line.indexOf(',');
            const int hash = line.indexOf(",#");
            if (firstComma < 0 || hash <= firstComma) {
                if (error)
                    *error = QStringLiteral("%1 line %2: expected index,name,#rrggbb").arg(path).arg(i + 1);
                return std::nullopt;
            }
            bool ok = false;
            const int id = line.left(firstComma).toInt(&ok);
            QString name = QString::fromUtf8(line.mid(firstComma + 1, hash - firstComma - 1)).trimmed();
            if (name.startsWith(QLatin1Char('"')) && name.endsWith(QLatin1Char('"')))
                name = name.mid(1, name.size() - 2);
            const QColor color(QString::fromUtf8(line.mid(hash + 1, 7)));
            if (!ok || !color.isValid()) {
                if (error)
                    *error = QStringLiteral("%1 line %2: bad index or colour").arg(path).arg(i + 1);
                return std::nullopt;
            }
            if (id == 255) {
                palette.setUnlabeledColor(color);
            } else if (!palette.insert(LabelClass{id, name, color, true})) {
                if (error)
                    *error = QStringLiteral("%1 line %2: class id %3 is repeated or out of range")
                                 .arg(path)
                                 .arg(i + 1)
                                 .arg(id);
                return std::nullopt;
            }
        }
        return palette;
    }
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive) && content.contains("\"format\"")) {
        inference::ModelMetadata metadata;
        std::string why;
        if (!inference::metadataFromJson(content.toStdString(), metadata, &why)) {
            if (error)
                *error = QString::fromStdString(why);
            return std::nullopt;
        }
        return paletteOfModel(metadata);
    }
    QString why;
    auto palette = ClassPalette::fromJson(content, &why);
    if (!palette && error)
        *error = QStringLiteral("%1: %2").arg(path, why);
    return palette;
}

ClassPalette paletteOfModel(const inference::ModelMetadata& metadata) {
    ClassPalette palette;
    for (size_t i = 0; i < metadata.classes.size(); ++i)
        palette.insert(LabelClass{int(i), QString::fromStdString(metadata.classes[i].name),
                                  QColor(QString::fromStdString(metadata.classes[i].color)), true});
    return palette;
}

bool classesForModel(const ClassPalette& palette, std::vector<inference::ClassInfo>& classes,
                     QString* error) {
    classes.clear();
    for (int id = 0; id < palette.size(); ++id) {
        const LabelClass* c = palette.find(id);
        if (!c) {
            if (error)
                *error = QStringLiteral("class ids must run from 0 to %1 without gaps (id %2 is missing)")
                             .arg(palette.size() - 1)
                             .arg(id);
            return false;
        }
        classes.push_back({c->name.toStdString(), c->color.name().toStdString()});
    }
    return true;
}

void addPredictorOptions(QCommandLineParser& parser, const QString& windowOption) {
    parser.addOptions({
        {QStringLiteral("model"), QStringLiteral("Model (.pt with .json sidecar, a folder, or 'default')."),
         QStringLiteral("M"), QStringLiteral("default")},
        {QStringLiteral("device"), QStringLiteral("auto, cpu, cuda or cuda:N."), QStringLiteral("D"),
         QStringLiteral("auto")},
        {QStringLiteral("precision"), QStringLiteral("auto, fp32, fp16 (CUDA) or bf16."), QStringLiteral("P"),
         QStringLiteral("auto")},
        {windowOption, QStringLiteral("Prediction window size in pixels."), QStringLiteral("N"),
         QStringLiteral("512")},
        {QStringLiteral("overlap"), QStringLiteral("Overlap of neighbouring windows."), QStringLiteral("N"),
         QStringLiteral("64")},
        {QStringLiteral("batch"), QStringLiteral("Windows per forward pass."), QStringLiteral("N"),
         QStringLiteral("4")},
        {QStringLiteral("threads"), QStringLiteral("CPU threads (0 = all cores)."), QStringLiteral("N"),
         QStringLiteral("0")},
        {QStringLiteral("channels-last"), QStringLiteral("auto (on for CUDA), on or off."),
         QStringLiteral("X"), QStringLiteral("auto")},
        {QStringLiteral("views"),
         QStringLiteral("Test-time augmentation: 1 (off), 2, 4 or 8 flipped/transposed views averaged."),
         QStringLiteral("N"), QStringLiteral("1")},
    });
}

inference::PredictOptions predictorOptions(const QCommandLineParser& parser, const QString& windowOption) {
    inference::PredictOptions options;
    options.device = parser.value(QStringLiteral("device")).toStdString();
    options.precision = parser.value(QStringLiteral("precision")).toStdString();
    options.tile = parser.value(windowOption).toInt();
    options.overlap = parser.value(QStringLiteral("overlap")).toInt();
    options.batch = parser.value(QStringLiteral("batch")).toInt();
    options.threads = parser.value(QStringLiteral("threads")).toInt();
    const QString channelsLast = parser.value(QStringLiteral("channels-last"));
    options.channelsLast = channelsLast == QLatin1String("on")    ? 1
                           : channelsLast == QLatin1String("off") ? 0
                                                                  : -1;
    options.views = parser.value(QStringLiteral("views")).toInt();
    return options;
}

bool readRgb(const RasterSource& source, const QRect& window, std::vector<uint8_t>& rgb, QString* error) {
    const QImage image = source.renderWindow(0, window, source.defaultDisplay(), error);
    if (image.isNull())
        return false;
    const QImage converted = image.convertToFormat(QImage::Format_RGB888);
    rgb.resize(size_t(window.width()) * window.height() * 3);
    for (int y = 0; y < window.height(); ++y)
        std::memcpy(rgb.data() + size_t(y) * window.width() * 3, converted.constScanLine(y),
                    size_t(window.width()) * 3);
    return true;
}

inference::ConfusionMatrix evaluateOn(inference::SegmentationModel& model,
                                      const std::vector<inference::TrainingSample>& samples,
                                      const inference::PredictOptions& options, QString* error) {
    inference::ConfusionMatrix matrix(model.classCount());
    std::string why;
    auto predictor = inference::TiledPredictor::create(model, options, &why);
    if (!predictor) {
        *error = QString::fromStdString(why);
        return matrix;
    }
    for (const auto& sample : samples) {
        inference::Prediction prediction;
        if (!predictor->predict({sample.rgb.data(), sample.width, sample.height, 0}, prediction, {}, nullptr,
                                &why)) {
            *error = QString::fromStdString(why);
            return matrix;
        }
        matrix.add(prediction.classes.data(), sample.mask.data(), sample.mask.size());
    }
    return matrix;
}

void ProgressLine::update(double fraction, const QString& extra) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (now - m_lastMs < 250 && fraction < 1.0)
        return;
    m_lastMs = now;
    m_printed = true;
    std::fprintf(stderr, "\r%s: %3d %%  %s\x1b[K", qUtf8Printable(m_label), int(fraction * 100 + 0.5),
                 qUtf8Printable(extra));
    std::fflush(stderr);
}

void ProgressLine::finish() {
    if (m_printed)
        std::fprintf(stderr, "\n");
    m_printed = false;
}

} // namespace segstudio::cli

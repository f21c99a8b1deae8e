#include "app/cli/cli_support.h"

#include "annotation/mask_files.h"
#include "annotation/qgis_style.h"
#include "app/cli/option_values.h"
#include "app/jobs/class_mapping.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <cstdio>

namespace segstudio::cli {

int failWith(const QString& message) {
    std::fprintf(stderr, "segstudio-cli: %s\n", qUtf8Printable(message));
    return 1;
}

void addPredictorOptions(QCommandLineParser& parser, const QString& windowOption) {
    const inference::PredictOptions defaults;
    const auto text = [](int value) { return QString::number(value); };
    parser.addOptions({
        {QStringLiteral("model"), QStringLiteral("Model (.pt with .json sidecar, a folder, or 'default')."),
         QStringLiteral("M"), QStringLiteral("default")},
        {QStringLiteral("device"), QStringLiteral("auto, cpu, cuda or cuda:N."), QStringLiteral("D"),
         QString::fromStdString(defaults.device)},
        {QStringLiteral("precision"), QStringLiteral("auto, fp32, fp16 (CUDA) or bf16."), QStringLiteral("P"),
         QString::fromStdString(defaults.precision)},
        {windowOption, QStringLiteral("Prediction window size in pixels."), QStringLiteral("N"),
         text(defaults.tile)},
        {QStringLiteral("overlap"), QStringLiteral("Overlap of neighbouring windows."), QStringLiteral("N"),
         text(defaults.overlap)},
        {QStringLiteral("batch"), QStringLiteral("Windows per forward pass (0: 2 on the CPU, 4 on a GPU)."),
         QStringLiteral("N"), text(defaults.batch)},
        {QStringLiteral("threads"), QStringLiteral("CPU threads (0 = one a physical core)."),
         QStringLiteral("N"), text(defaults.threads)},
        {QStringLiteral("channels-last"), QStringLiteral("auto (on for CUDA), on or off."),
         QStringLiteral("X"), QStringLiteral("auto")},
        {QStringLiteral("frozen"),
         QStringLiteral("on: predict through the network frozen for inference (batch norm folded into the "
                        "convolutions); off: the network as trained, for comparisons."),
         QStringLiteral("X"), QStringLiteral("on")},
        {QStringLiteral("views"),
         QStringLiteral("Test-time augmentation: 1 (off), 2, 4 or 8 flipped/transposed views averaged."),
         QStringLiteral("N"), text(defaults.views)},
    });
}

bool predictorOptions(const QCommandLineParser& parser, inference::PredictOptions& options, QString* error,
                      const QString& windowOption) {
    options.device = parser.value(QStringLiteral("device")).toStdString();
    options.precision = parser.value(QStringLiteral("precision")).toStdString();
    if (!intOption(parser, windowOption, 32, 4096, options.tile, error) ||
        !intOption(parser, QStringLiteral("overlap"), 0, 2048, options.overlap, error) ||
        !intOption(parser, QStringLiteral("batch"), 0, 256, options.batch, error) ||
        !intOption(parser, QStringLiteral("threads"), 0, 1024, options.threads, error) ||
        !intOption(parser, QStringLiteral("views"), 1, 8, options.views, error))
        return false;
    const QString channelsLast = parser.value(QStringLiteral("channels-last"));
    if (channelsLast != QLatin1String("auto") && channelsLast != QLatin1String("on") &&
        channelsLast != QLatin1String("off")) {
        *error = QStringLiteral("--channels-last takes auto, on or off, not “%1”").arg(channelsLast);
        return false;
    }
    options.channelsLast = channelsLast == QLatin1String("on")    ? 1
                           : channelsLast == QLatin1String("off") ? 0
                                                                  : -1;
    const QString frozen = parser.value(QStringLiteral("frozen"));
    if (frozen != QLatin1String("on") && frozen != QLatin1String("off")) {
        *error = QStringLiteral("--frozen takes on or off, not “%1”").arg(frozen);
        return false;
    }
    options.frozen = frozen == QLatin1String("on");
    // The ranges that depend on each other (overlap and window, batch × window²).
    const std::string problem = inference::predictOptionsProblem(options);
    if (!problem.empty()) {
        *error = QString::fromStdString(problem);
        return false;
    }
    return true;
}

std::optional<ClassPalette> labelClassesOf(const QString& rasterPath, const QString& classesFile,
                                           QString* error) {
    if (!classesFile.isEmpty())
        return ClassMapping::loadClasses(classesFile, error);
    if (auto sidecar = MaskFiles::loadPaletteSidecar(rasterPath, error))
        return sidecar;
    if (!error->isEmpty())
        return std::nullopt;
    QFile style(QgisStyle::stylePathFor(rasterPath));
    if (style.size() < 4 * 1024 * 1024 && style.open(QIODevice::ReadOnly))
        if (auto classes = QgisStyle::classesOfRasterStyle(style.readAll()))
            return classes;
    *error = QStringLiteral("%1 has no class list beside it (%2 or %3): name the classes with --classes FILE")
                 .arg(rasterPath, QFileInfo(MaskFiles::paletteSidecarPath(rasterPath)).fileName(),
                      QFileInfo(QgisStyle::stylePathFor(rasterPath)).fileName());
    return std::nullopt;
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

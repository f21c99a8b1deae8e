#pragma once

#include "annotation/class_palette.h"
#include "inference/evaluation.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"

#include <QCommandLineParser>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>
#include <vector>

namespace segstudio {

namespace cli {

// Prints "segstudio-cli: MESSAGE" on stderr and returns the exit code for errors (1).
int failWith(const QString& message);

// The options every command that predicts shares: --model, --device, --precision, --tile,
// --overlap, --batch, --threads, --channels-last, --views; their defaults are PredictOptions'. `windowOption`
// names the window-size option
// ("tile"; simulate calls it "window" because its --tile is the correction tile).
void addPredictorOptions(QCommandLineParser& parser, const QString& windowOption = QStringLiteral("tile"));
// Reads them strictly and checks their ranges; false with *error naming the option.
bool predictorOptions(const QCommandLineParser& parser, inference::PredictOptions& options, QString* error,
                      const QString& windowOption = QStringLiteral("tile"));

// The classes of a label raster: from `classesFile` when given (a class list), else from the
// raster's own sidecars (X.classes.json, then the X.qml style we write beside label GeoTIFFs).
std::optional<ClassPalette> labelClassesOf(const QString& rasterPath, const QString& classesFile,
                                           QString* error);

// Reports progress on stderr at most a few times a second: "label: 42 %  extra".
class ProgressLine {
public:
    explicit ProgressLine(QString label)
        : m_label(std::move(label)) {}
    void update(double fraction, const QString& extra = {});
    void finish();

private:
    QString m_label;
    qint64 m_lastMs = -1000;
    bool m_printed = false;
};

} // namespace cli
} // namespace segstudio

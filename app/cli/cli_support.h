#pragma once

#include "annotation/class_palette.h"
#include "inference/evaluation.h"
#include "inference/segmentation_model.h"
#include "inference/tiled_predictor.h"
#include "inference/trainer.h"

#include <QCommandLineParser>
#include <QImage>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>
#include <vector>

namespace segstudio {

class RasterSource;

namespace cli {

// Prints "segstudio-cli: MESSAGE" on stderr and returns the exit code for errors (1).
int failWith(const QString& message);

// "default" → the bundled model; anything else is a path (file or folder).
QString resolveModelPath(const QString& model);
std::unique_ptr<inference::SegmentationModel> loadModel(const QString& model, QString* error);

// Classes from a JSON palette (ClassPalette format), a CSV like dubai_aerial's classes.csv
// (index,name,hex[,r,g,b]; index 255 names the colour of unlabeled pixels), or a model's sidecar.
std::optional<ClassPalette> loadClasses(const QString& path, QString* error);
ClassPalette paletteOfModel(const inference::ModelMetadata& metadata);
// The classes of a palette as model metadata; fails unless the ids are 0..n-1.
bool classesForModel(const ClassPalette& palette, std::vector<inference::ClassInfo>& classes, QString* error);

// Interleaved 8-bit RGB of a window of level 0, through the source's default display (band
// mapping and stretch), as the model sees it.
bool readRgb(const RasterSource& source, const QRect& window, std::vector<uint8_t>& rgb, QString* error);

// The options every command that predicts shares: --model, --device, --precision, --tile,
// --overlap, --batch, --threads, --channels-last. `windowOption` names the window-size option
// ("tile"; simulate calls it "window" because its --tile is the correction tile).
void addPredictorOptions(QCommandLineParser& parser, const QString& windowOption = QStringLiteral("tile"));
inference::PredictOptions predictorOptions(const QCommandLineParser& parser,
                                           const QString& windowOption = QStringLiteral("tile"));

// Predicts every sample and counts predictions against its mask (255 ignored).
inference::ConfusionMatrix evaluateOn(inference::SegmentationModel& model,
                                      const std::vector<inference::TrainingSample>& samples,
                                      const inference::PredictOptions& options, QString* error);

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

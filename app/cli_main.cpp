// segstudio-cli: the command line for batch work; it mirrors the GUI (predict, train, eval,
// bench, simulate) and describes rasters (info) and the runtime (version).
#include "annotation/gdal_setup.h"
#include "annotation/raster_source.h"
#include "annotation/source_policy.h"
#include "app/cli/cli_commands.h"
#include "app/jobs/model_registry.h"
#include "app/jobs/precision_choice.h"
#include "inference/heap_tuning.h"
#include "inference/runtime_info.h"
#include "storage/atomic_file.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QTextStream>
#include <cstdio>
#include <new>
#include <string>

namespace {

QJsonObject describe(const segstudio::RasterSource& source) {
    const segstudio::RasterInfo& info = source.info();
    QJsonObject object{{"path", info.path},
                       {"driver", info.driverName},
                       {"width", info.width},
                       {"height", info.height},
                       {"bands", info.bandCount},
                       {"data_type", info.dataType},
                       {"levels", source.levelCount()}};
    QJsonArray overviews;
    for (const QSize& size : info.overviews)
        overviews.append(QJsonArray{size.width(), size.height()});
    object.insert("overviews", overviews);
    const segstudio::Georeference& geo = source.georeference();
    if (geo.isValid()) {
        QJsonArray transform;
        for (double v : geo.geoTransform())
            transform.append(v);
        object.insert("geotransform", transform);
        object.insert("crs", geo.crsAuthority().isEmpty() ? geo.crsName() : geo.crsAuthority());
    }
    return object;
}

int runInfo(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Describe a raster as JSON."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("Image or raster."));
    parser.process(arguments);
    if (parser.positionalArguments().size() != 1) {
        std::fprintf(stderr, "usage: segstudio-cli info FILE\n");
        return 2;
    }
    QString error;
    const auto source = segstudio::RasterSource::open(parser.positionalArguments().first(), &error);
    if (!source) {
        std::fprintf(stderr, "segstudio-cli: %s\n", qUtf8Printable(error));
        return 1;
    }
    std::printf("%s\n", QJsonDocument(describe(*source)).toJson(QJsonDocument::Compact).constData());
    return 0;
}

int runVersion() {
    const auto runtime = segstudio::inference::runtimeInfo();
    std::printf(
        "segstudio %s, LibTorch %s, CUDA %s (%d device(s)), %d physical CPU cores (one thread each)\n",
        SEGSTUDIO_VERSION, runtime.torchVersion.c_str(),
        runtime.cudaAvailable ? "available" : "not available", runtime.cudaDeviceCount,
        runtime.physicalCores);
    // What --precision auto means here, for the default model: measured the first time (a second
    // or two), then read from the settings.
    QString error;
    if (auto model = segstudio::ModelRegistry::load(QStringLiteral("default"), &error)) {
        segstudio::inference::PredictOptions options;
        options.device = "cpu";
        QSettings settings;
        QString reason;
        segstudio::PrecisionChoice::resolve(options, *model, nullptr, settings, &reason);
        std::printf("CPU: %s; --precision auto on it: %s (%s, default model)\n",
                    segstudio::inference::cpuDescription().c_str(), options.precision.c_str(),
                    qUtf8Printable(reason));
    } else {
        std::printf("CPU: %s; --precision auto not measured (%s)\n",
                    segstudio::inference::cpuDescription().c_str(), qUtf8Printable(error));
    }
    return 0;
}

void printUsage() {
    std::fprintf(stderr,
                 "usage: segstudio-cli COMMAND [OPTIONS]\n\n"
                 "commands:\n"
                 "  predict   classes (and confidence) for every pixel of an image: PNG or GeoTIFF\n"
                 "  train     train or fine-tune a model on folders of images and masks\n"
                 "  eval      per-class IoU, mIoU, accuracy and confusion matrix of masks\n"
                 "  bench     prediction throughput in megapixels per second\n"
                 "  simulate  play a user of the correction loop on images with reference masks\n"
                 "  simulate-dataset  play a person annotating a dataset image after image\n"
                 "  vectorize polygons of a label raster (GeoPackage/GeoJSON) with class names and areas\n"
                 "  areas     per-class pixels, area (m², ha) and share of a label raster\n"
                 "  merge     join the parts of a prediction made with predict --shard I/N\n"
                 "  export    a project's masks as a VOC or COCO dataset\n"
                 "  info      describe a raster (size, bands, overviews, georeference) as JSON\n"
                 "  version   versions of segstudio and LibTorch, and the devices found\n"
                 "\n'segstudio-cli COMMAND --help' lists a command's options.\n"
                 "\nglobal options:\n"
                 "  --allow-network  let files read from servers (URLs, VRTs with remote sources, WMS);\n"
                 "                   off by default: opening a file never reaches the network\n");
}

int runCommand(QStringList arguments) {
    // A global flag, before or after the command: files may then read from servers.
    if (arguments.removeAll(QStringLiteral("--allow-network")) > 0)
        segstudio::SourcePolicy::setNetworkAllowed(true);
    if (arguments.size() < 2) {
        printUsage();
        return 2;
    }
    const QString command = arguments.takeAt(1);
    if (command == QLatin1String("info"))
        return runInfo(arguments);
    if (command == QLatin1String("version"))
        return runVersion();
    if (command == QLatin1String("predict"))
        return segstudio::cli::runPredict(arguments);
    if (command == QLatin1String("train"))
        return segstudio::cli::runTrain(arguments);
    if (command == QLatin1String("eval"))
        return segstudio::cli::runEval(arguments);
    if (command == QLatin1String("bench"))
        return segstudio::cli::runBench(arguments);
    if (command == QLatin1String("simulate"))
        return segstudio::cli::runSimulate(arguments);
    if (command == QLatin1String("simulate-dataset"))
        return segstudio::cli::runSimulateDataset(arguments);
    if (command == QLatin1String("vectorize"))
        return segstudio::cli::runVectorize(arguments);
    if (command == QLatin1String("areas"))
        return segstudio::cli::runAreas(arguments);
    if (command == QLatin1String("merge"))
        return segstudio::cli::runMerge(arguments);
    if (command == QLatin1String("export"))
        return segstudio::cli::runExport(arguments);
    if (command == QLatin1String("--help") || command == QLatin1String("-h")) {
        printUsage();
        return 0;
    }
    std::fprintf(stderr, "segstudio-cli: unknown command '%s'\n\n", qUtf8Printable(command));
    printUsage();
    return 2;
}

} // namespace

int main(int argc, char* argv[]) {
    segstudio::inference::keepFreedMemoryForReuse();
    QCoreApplication app(argc, argv);
    // Its settings (the measured precision choice) beside the window's, under ~/.config/segstudio.
    QCoreApplication::setOrganizationName(QStringLiteral("segstudio"));
    QCoreApplication::setApplicationName(QStringLiteral("segstudio-cli"));
    segstudio::initializeGdal();
    segstudio::storage::removeTemporariesOnSignal();
    // The last line of defence: whatever a library throws that no check above foresaw becomes
    // a message and exit code 1, never an abort with a stack trace.
    try {
        return runCommand(app.arguments());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "segstudio-cli: out of memory: the input is too large for this machine\n");
    } catch (const std::exception& e) {
        std::string what = e.what();
        what = what.substr(0, what.find('\n')); // LibTorch appends a backtrace
        std::fprintf(stderr, "segstudio-cli: internal error: %s\n", what.c_str());
    }
    return 1;
}

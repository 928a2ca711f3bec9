"""app.py, what `cdk synth` runs: cdk.out holds only what this synth wrote."""

from pathlib import Path

from catalog_app import clear_previous_assembly


def test_an_earlier_synth_leaves_nothing_behind(tmp_path: Path) -> None:
    # make synth STAGE=prod after dev (or the pipeline) kept dev's Spoke and Images stacks.
    outdir = tmp_path / "cdk.out"
    outdir.mkdir()
    for name in (
        "manifest.json",
        "tree.json",
        "cdk.out",
        "Spoke444444444444.template.json",
        "Spoke444444444444.assets.json",
        "Images.metadata.json",
        "CatalogLinuxDockerTemplate81560639.product.template.json",
        "PipelineD808E361.dot",
        "validation-report.json",
        "error.txt",
        "synth.lock",
        "notes.txt",
    ):
        (outdir / name).write_text("{}")
    for directory in ("asset.0a1b", "assembly-Pipeline-Dev"):
        (outdir / directory).mkdir()
        (outdir / directory / "x.json").write_text("{}")

    clear_previous_assembly(outdir)

    # The CLI's lock and anything that is not synth output stay.
    assert sorted(p.name for p in outdir.iterdir()) == ["notes.txt", "synth.lock"]


def test_a_directory_without_an_assembly_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "Shared.template.json").write_text("{}")
    clear_previous_assembly(tmp_path)
    assert (tmp_path / "Shared.template.json").exists()

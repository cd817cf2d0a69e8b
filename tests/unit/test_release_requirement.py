"""What a release installs from its bundle: the controller, with the Pi's extra where the bundle carries
lgpio (scripts/build-bundle.sh --arch arm64), so that gpiozero drives a Pi 5's pins."""

from firmware.ota.releases import controller_requirement


def test_the_pis_extra_is_installed_only_from_a_bundle_that_carries_it(tmp_path):
    (tmp_path / "evse_controller-0.1.0-py3-none-any.whl").touch()
    assert controller_requirement(tmp_path) == "evse-controller"
    (tmp_path / "lgpio-0.2.2.0-cp311-cp311-manylinux_2_34_aarch64.whl").touch()
    assert controller_requirement(tmp_path) == "evse-controller[rpi]"

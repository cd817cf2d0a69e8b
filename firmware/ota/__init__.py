"""Firmware updates sent by the CSMS: download, verify, install, roll back (issue 6).

Landed so far: resumable download (download.py) and signature verification
(signature.py). The OCPP handlers (UpdateFirmware, SignedUpdateFirmware) are
registered only once installation and rollback exist, so a CSMS is never told
"Accepted" for an update this controller cannot yet carry out.
"""

"""Reports to hotlines: NCMEC's CyberTipline and the Cambodian referral package.

``service`` files a decided case with a sink (``ReportSink`` plugins, registered in
``reports.registry``), ``worker`` sends the steps durably (resumable, never doubled),
``ncmec``/``ncmec_client``/``ncmec_xml`` talk to the CyberTipline, ``referral`` builds and
verifies the signed Cambodian package, ``fake_ncmec`` is a local CyberTipline for development.
See docs/reporting.md.
"""

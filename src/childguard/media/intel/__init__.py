"""Media intelligence for triage: signals that order review and never decide on their own.

``metadata`` reads EXIF, XMP and QuickTime metadata (GPS position, device, capture time,
software) and notes stripped metadata; ``gazetteer`` names the place of a GPS position offline;
``textdetect`` decides cheaply whether an image likely holds text and ``ocr`` reads it with
Tesseract for the text-risk engine; ``nudity`` scores with NudeNet's detector on onnxruntime;
``faces`` counts faces with OpenCV's Haar cascade; ``priority`` combines them with matches into a
review priority; ``analyze`` runs them all (``IntelEngine``).
"""

# ruff: noqa: E501  (phrase banks: one line of phrases reads better than wrapped strings)
"""Vietnamese phrase banks for synthetic conversations (non-graphic; keys as in ``phrases_en``)."""

from __future__ import annotations

PHRASES: dict[str, tuple[str, ...]] = {
    "GROOMING/access_profiling": (
        "em học lớp mấy?", "em học trường nào?", "nhà em ở đâu?",
        "em sống với ai?", "em mấy tuổi vậy", "em còn đi học à?", "mấy giờ em tan học?",
        "em đi học về một mình à?", "em học cấp 2 hả",
    ),
    "GROOMING/trust_gifts": (
        "anh mua cho em {item} nhé", "anh nạp thẻ cho em", "anh gửi quà cho em",
        "anh chuyển tiền cho em mua điện thoại", "em thích gì anh mua cho",
        "anh nạp kim cương {game} cho em rồi đó", "anh tặng em cái skin đó",
    ),
    "GROOMING/flattery_romance": (
        "em xinh quá", "anh thương em lắm", "em trưởng thành hơn tuổi", "em khác mấy bạn cùng tuổi",
        "làm người yêu anh nhé", "anh nhớ em lắm", "chỉ có anh hiểu em thôi", "em dễ thương ghê",
        "anh chưa gặp ai như em",
    ),
    "GROOMING/risk_assessment": (
        "em ở nhà một mình à?", "ai hay xem điện thoại của em?",
        "mẹ em có đọc tin nhắn không?", "mấy giờ bố mẹ em đi làm về?", "phòng em có khóa cửa không?",
        "bố mẹ em đi ngủ chưa?",
    ),
    "GROOMING/secrecy_isolation": (
        "đừng nói với ai nhé", "đừng kể với bố mẹ", "đây là bí mật của hai đứa mình",
        "xóa tin nhắn đi nhé", "bố mẹ em không hiểu em đâu", "chuyện này chỉ hai ta biết thôi",
        "đừng cho ai xem tin nhắn này",
    ),
    "GROOMING/desensitising": (
        "bạn bè em ai cũng làm vậy, bình thường mà", "em đã hôn ai chưa?", "em có người yêu chưa",
        "chuyện này bình thường thôi em", "cơ thể em đang lớn, bình thường mà",
    ),
    "GROOMING/image_request": (
        "gửi anh hình riêng tư nhé", "chụp ảnh cho anh đi",
        "gọi video với anh nhé", "bật camera lên em", "gửi hình chỉ mình anh xem thôi",
        "không ai thấy đâu, gửi đi em", "gửi thêm ảnh đi",
    ),
    "GROOMING/meeting": (
        "tan học anh đón em nhé", "mình gặp nhau đi", "cuối tuần đi chơi với anh nha",
        "anh chở em về", "đến nhà anh chơi", "đừng nói ai, mình gặp riêng", "anh đợi em ở cổng trường",
    ),
    "GROOMING/platform_migration": (
        "kết bạn zalo với anh", "qua {app} nói chuyện cho an toàn", "em có {app} không?",
        "nhắn anh qua {app} nhé", "{app} của anh là @{handle}", "mình chuyển sang {app} đi",
    ),
    "SEXTORTION/image_request": ("gửi thêm ảnh đi", "gửi video nữa", "tao cần thêm ảnh"),
    "SEXTORTION/threat_to_expose": (
        "tao sẽ gửi ảnh cho cả trường", "tao đăng ảnh mày lên facebook", "bố mẹ mày sẽ thấy hết",
        "tao gửi cho bạn bè mày", "cả lớp sẽ biết",
    ),
    "SEXTORTION/demand": (
        "chuyển cho tao {amount} triệu", "chuyển tiền ngay", "nạp thẻ {amount}00k cho tao",
        "gửi thêm ảnh không thì tao đăng", "chuyển khoản rồi tao xóa", "chuyển qua momo cho tao",
    ),
    "SEXTORTION/deadline": (
        "mày có {hours} tiếng", "trước 9 giờ tối nay", "lần cuối đấy",
        "hết hôm nay",
    ),
    "BULLYING/insult": (
        "đồ xấu xí", "mày béo như heo", "thằng ngu", "con điên", "đồ vô dụng",
        "mày ngu thật", "nhìn mặt mày là thấy ghét",
    ),
    "BULLYING/threat": (
        "mai mày chết với tao", "coi chừng đấy", "đi chết đi",
        "tan học đợi đấy",
    ),
    "BULLYING/exclusion": (
        "không ai chơi với mày đâu", "cút khỏi nhóm", "cả lớp ghét mày", "đừng ngồi với bọn tao",
        "tụi tao xóa mày khỏi nhóm rồi",
    ),
    "BULLYING/humiliation": (
        "cả lớp đang cười mày", "tụi tao đăng ảnh mày rồi", "nhìn cái ảnh này nhục chưa",
        "cả trường xem video của mày rồi",
    ),
    "BULLYING/sexual_harassment": ("đồ lẳng lơ", "con đĩ"),
    "BULLYING/identity_hate": ("về nước mày đi", "bọn mày không thuộc về đây"),
    "BULLYING/doxxing": ("địa chỉ nhà nó đây", "tao biết nhà mày ở đâu", "số điện thoại của nó đây"),
    "CSAM_TRADE/advertising": (
        "bán link clip trẻ em", "có clip em nhỏ mới", "bán bộ sưu tập riêng tư", "clip học sinh mới",
        "link nội dung trẻ em, cập nhật hàng tuần",
    ),
    "CSAM_TRADE/offering": (
        "{price}0k một link", "inbox lấy link", "{price}0k một thư mục", "ib để lấy link nhé",
    ),
    "CSAM_TRADE/requesting": (
        "ai có link clip trẻ em không", "cần mua clip em nhỏ", "tìm link nội dung trẻ em",
    ),
    "CSAM_TRADE/payment_contact": (
        "chuyển khoản qua momo", "thanh toán qua momo rồi nhắn {app}", "liên hệ {app} @{handle}",
    ),
    "CUE/minor": (
        "em {age} tuổi", "em học lớp {grade}", "em mới {age} tuổi thôi", "mai em phải đi học",
        "mẹ em bắt ngủ lúc 9 giờ", "em vừa đi học về", "cô giao nhiều bài tập quá",
        "bố em hay xem điện thoại em", "em {age} ạ",
    ),
    "CUE/adult": (
        "anh vừa tan làm", "anh {aage} tuổi", "em {aage} tuổi rồi", "hôm nay công ty bận quá",
        "tiền nhà tháng này", "vợ anh đi công tác", "con anh ngủ rồi",
    ),
    "SAFE/smalltalk": (
        "chào", "ê", "hihi", "ừ", "đang làm gì đó", "ăn cơm chưa", "chán quá", "haha",
        "thật hả", "ừ đúng rồi", "thôi đi ngủ", "mai gặp nhé", "cảm ơn nha", "trời nóng quá",
    ),
    "SAFE/gaming": (
        "chơi {game} không", "trận vừa rồi hay quá", "mày gánh team đấy", "tao giết mày trận sau",
        "mạng lag quá", "vào đội tao đi",
    ),
    "SAFE/family": (
        "mẹ ơi đón con lúc 5 giờ nhé", "con làm bài tập chưa?", "cơm xong rồi", "về sớm nhé con",
        "gửi mẹ ảnh bảng điểm nhé", "con đang ở đâu?", "bố đón con sau giờ học",
    ),
    "SAFE/friends_teasing": (
        "mày ngố thật haha", "đồ ngốc, nhớ mày", "thua thì bao trà sữa nhé", "mày hài ghê 😂",
    ),
    "SAFE/adult_flirt": (
        "tối nay qua chỗ anh nhé", "nhớ em quá", "em đẹp lắm", "gửi anh tấm ảnh đi em",
        "đi uống nước tối thứ sáu nhé", "anh đón em sau giờ làm", "yêu em", "tối qua vui ghê",
        "kết bạn zalo với anh nha em", "cuối tuần đi khách sạn nhé",
    ),
    "SAFE/sales": (
        "bán điện thoại cũ {price}0k", "shop có hàng mới", "chuyển khoản qua momo nhé",
        "inbox để xem giá", "freeship nội thành", "còn size M không shop", "ib zalo shop nhé",
    ),
    "SAFE/school": (
        "ngày mai có tiết văn", "mai gặp nhé", "mai kiểm tra đấy", "dạ vâng ạ", "nhớ mang vở nhé",
        "tối nay tao học bài", "mai đi học sớm nhé", "cô giáo hiền lắm",
        "làm bài tập toán chưa", "thứ sáu kiểm tra", "cô dặn mang sách", "mai học mấy giờ",
        "gửi tao ảnh vở ghi với",
    ),
    "SAFE/safety_talk": (
        "nếu ai trên mạng xin ảnh thì báo mẹ ngay nhé", "đừng giữ bí mật với bố mẹ về người lạ trên mạng",
        "không được gặp người lạ quen trên mạng", "con có thể kể với mẹ mọi chuyện, không sao đâu",
        "hôm nay trường có buổi nói chuyện về an toàn trên mạng", "ai bảo con đừng nói với bố mẹ là nguy hiểm đấy",
    ),
    "SAFE/sex_ed": (
        "em {age} tuổi, dậy thì như vậy có bình thường không", "cô giáo dạy về tuổi dậy thì hôm nay",
        "chuyện đó bình thường ở tuổi em", "nếu lo lắng thì em nói với bố mẹ hoặc cô y tế nhé",
    ),
    "SAFE/news": (
        "báo đưa tin bắt kẻ dụ dỗ trẻ em trên mạng", "trường gửi thông báo về an toàn trên mạng",
    ),
}  # fmt: skip

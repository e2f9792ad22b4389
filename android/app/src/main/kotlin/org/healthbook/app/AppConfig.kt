package org.healthbook.app

import org.healthbook.ui.profiles.AdminUnit

/** The authority's root public key (base64 SPKI DER), set at build time: `-Phealthbook.rootKey=...`. */
val BUNDLED_ROOT_KEY: String get() = BuildConfig.ROOT_KEY

/** The server first start proposes, set at build time: `-Phealthbook.server=https://...`. */
val DEFAULT_SERVER: String get() = BuildConfig.DEFAULT_SERVER

/**
 * Provinces and wards for the profile screen's search. The core validates codes but does not list them
 * yet; until it does, this holds the units the pilot covers (official codes).
 */
object AdminUnits {
    val provinces = listOf(
        AdminUnit("01", "Thành phố Hà Nội"),
        AdminUnit("31", "Thành phố Hải Phòng"),
        AdminUnit("48", "Thành phố Đà Nẵng"),
        AdminUnit("79", "Thành phố Hồ Chí Minh"),
        AdminUnit("92", "Thành phố Cần Thơ"),
    )

    private val wards = mapOf(
        "01" to listOf(
            AdminUnit("00004", "Phường Ba Đình"),
            AdminUnit("00008", "Phường Ngọc Hà"),
            AdminUnit("00025", "Phường Giảng Võ"),
            AdminUnit("00070", "Phường Hoàn Kiếm"),
        ),
    )

    /** The wards of [provinceCode] known to the app. */
    fun wardsOf(provinceCode: String?): List<AdminUnit> = wards[provinceCode].orEmpty()
}

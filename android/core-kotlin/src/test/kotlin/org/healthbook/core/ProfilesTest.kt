package org.healthbook.core

import java.io.File
import java.text.Normalizer
import java.time.LocalDate
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.Arguments
import org.junit.jupiter.params.provider.MethodSource
import org.junit.jupiter.params.provider.ValueSource

/** Every call of [Profiles] against the real core, including its validation errors. */
class ProfilesTest {
    @TempDir lateinit var dir: File
    private lateinit var healthbook: Healthbook
    private lateinit var profiles: Profiles

    @BeforeEach
    fun open() {
        healthbook = Healthbook(dir.absolutePath, InMemoryKeyStore())
        profiles = healthbook.profiles()
    }

    @AfterEach
    fun close() {
        profiles.close()
        healthbook.close()
    }

    @Test
    fun `add returns the normalised profile and get and list return the same`() = runBlocking {
        val decomposed = Normalizer.normalize("  Nguyễn Thị Ánh  ", Normalizer.Form.NFD)
        assertNotEquals("Nguyễn Thị Ánh", decomposed.trim())
        val added = profiles.add(
            validInput(
                relation = ProfileRelation.MYSELF,
                fullName = decomposed,
                birth = birth(1990, 2, 28),
                phone = "0912 345.678",
                citizenId = "001190012345",
                address = Address("79", "26734", "45 Lê Lợi"),
            ),
        )
        assertTrue(added.id.isNotBlank())
        assertEquals(ProfileRelation.MYSELF, added.relation)
        assertEquals("Nguyễn Thị Ánh", added.fullName)
        assertTrue(Normalizer.isNormalized(added.fullName, Normalizer.Form.NFC))
        assertEquals(birth(1990, 2, 28), added.birth)
        assertEquals("+84912345678", added.phone)
        assertEquals("001190012345", added.citizenId)
        assertEquals(Address("79", "26734", "45 Lê Lợi"), added.address)
        assertEquals(added.createdAt, added.updatedAt)

        assertEquals(added, profiles.get(added.id))
        assertEquals(listOf(added), profiles.list())
    }

    @Test
    fun `optional fields may be absent and a birth year alone is enough`() = runBlocking {
        val added = profiles.add(
            ProfileInput(ProfileRelation.MANAGED_BY_VOLUNTEER, "Trần Văn Bảy", birth(1948), null, null, null),
        )
        assertEquals(birth(1948), added.birth)
        assertNull(added.phone)
        assertNull(added.citizenId)
        assertNull(added.address)
        assertEquals(added, profiles.get(added.id))
    }

    @Test
    fun `a month without a day and a province without a ward are accepted`() = runBlocking {
        val added = profiles.add(validInput(birth = birth(1990, 12), address = Address("01", null, null)))
        assertEquals(birth(1990, 12), added.birth)
        assertEquals(Address("01", null, null), added.address)
    }

    @ParameterizedTest
    @ValueSource(strings = ["0912345678", "+84912345678", "84912345678", "091 234 5678", "091.234.5678", "+84-91-234-5678"])
    fun `phone numbers in national and international form are normalised to E164`(phone: String) = runBlocking {
        assertEquals("+84912345678", profiles.add(validInput(phone = phone)).phone)
    }

    @Test
    fun `a landline number (0 + 10 digits starting with 2) is accepted too`() = runBlocking {
        assertEquals("+842438251234", profiles.add(validInput(phone = "024 3825 1234")).phone)
    }

    @Test
    fun `add and update return exactly what get and list return afterwards, timestamps included`() = runBlocking {
        // What the app shows right after saving must be what it reads back later (e.g. for change detection).
        val added = profiles.add(validInput())
        assertEquals(added, profiles.get(added.id), "add vs get")
        val updated = profiles.update(added.id, validInput(fullName = "Nguyễn Văn Bình"))
        assertEquals(updated, profiles.get(added.id), "update vs get")
        assertEquals(listOf(updated), profiles.list(), "update vs list")
    }

    @Test
    fun `a legacy nine digit CMND is accepted`() = runBlocking {
        assertEquals("123456789", profiles.add(validInput(citizenId = "123456789")).citizenId)
    }

    @Test
    fun `a CCCD of someone born in the 2000s matches a 2000s birth year`() = runBlocking {
        // 4th digit 2/3 = born 2000-2099; digits 5-6 = last two digits of the year.
        val added = profiles.add(validInput(birth = birth(2005, 1, 1), citizenId = "079305001234"))
        assertEquals("079305001234", added.citizenId)
    }

    @Test
    fun `list returns every profile`() = runBlocking {
        val a = profiles.add(validInput(relation = ProfileRelation.MYSELF, citizenId = "001090012345"))
        val b = profiles.add(validInput(fullName = "Lê Thị Hoa", citizenId = null, phone = "0987654321"))
        val c = profiles.add(validInput(fullName = "Phạm Minh", citizenId = "123456789", phone = null))
        assertEquals(setOf(a, b, c), profiles.list().toSet())
        assertEquals(3, profiles.list().size)
    }

    @Test
    fun `update replaces the fields and keeps the id`() = runBlocking {
        val added = profiles.add(validInput())
        val updated = profiles.update(
            added.id,
            validInput(
                relation = ProfileRelation.MANAGED_BY_VOLUNTEER,
                fullName = " Nguyễn Văn Ân ",
                birth = birth(1990),
                phone = "+84 3 1234 5678",
                citizenId = null,
                address = null,
            ),
        )
        assertEquals(added.id, updated.id)
        assertEquals(ProfileRelation.MANAGED_BY_VOLUNTEER, updated.relation)
        assertEquals("Nguyễn Văn Ân", updated.fullName)
        assertEquals(birth(1990), updated.birth)
        assertEquals("+84312345678", updated.phone)
        assertNull(updated.citizenId)
        assertNull(updated.address)
        assertEquals(added.createdAt, updated.createdAt)
        assertEquals(updated, profiles.get(added.id))
        assertEquals(listOf(updated), profiles.list())
    }

    @Test
    fun `update validates like add`() = runBlocking {
        val added = profiles.add(validInput())
        val e = assertThrows<ProfileException.InvalidField> { profiles.update(added.id, validInput(fullName = " ")) }
        assertEquals(ProfileField.FULL_NAME, e.field)
        assertEquals(added, profiles.get(added.id))
    }

    @Test
    fun `remove deletes the profile and then get update and remove give NotFound`() = runBlocking {
        val keep = profiles.add(validInput(citizenId = null))
        val gone = profiles.add(validInput(fullName = "Đỗ Văn Cường", citizenId = "001090012345"))
        profiles.remove(gone.id)
        assertEquals(listOf(keep), profiles.list())

        val get = assertThrows<ProfileException.NotFound> { profiles.get(gone.id) }
        assertEquals(gone.id, get.id)
        val update = assertThrows<ProfileException.NotFound> { profiles.update(gone.id, validInput()) }
        assertEquals(gone.id, update.id)
        val remove = assertThrows<ProfileException.NotFound> { profiles.remove(gone.id) }
        assertEquals(gone.id, remove.id)

        // The removed profile's citizen id is free again.
        assertEquals("001090012345", profiles.add(validInput(citizenId = "001090012345")).citizenId)
    }

    @Test
    fun `get of an id that never existed gives NotFound`() {
        val e = assertThrows<ProfileException.NotFound> { runBlocking { profiles.get("no-such-profile") } }
        assertEquals("no-such-profile", e.id)
    }

    @Test
    fun `two profiles cannot share a citizen id`() = runBlocking {
        profiles.add(validInput(citizenId = "001090012345"))
        assertThrows<ProfileException.DuplicateCitizenId> {
            profiles.add(validInput(fullName = "Người Khác", citizenId = "001090012345"))
        }
        val other = profiles.add(validInput(fullName = "Người Khác", citizenId = "123456789"))
        assertThrows<ProfileException.DuplicateCitizenId> {
            profiles.update(other.id, validInput(citizenId = "001090012345"))
        }
        assertEquals(2, profiles.list().size)
    }

    @Test
    fun `a phone holds only one MYSELF profile`() = runBlocking {
        val self = profiles.add(validInput(relation = ProfileRelation.MYSELF))
        assertThrows<ProfileException.SelfProfileExists> {
            profiles.add(validInput(relation = ProfileRelation.MYSELF, fullName = "Người Khác", phone = "0987654321", citizenId = null))
        }
        // Updating the owner's own profile keeps it MYSELF without a conflict.
        assertEquals(ProfileRelation.MYSELF, profiles.update(self.id, validInput(relation = ProfileRelation.MYSELF)).relation)
        // Once the owner's profile becomes a family member, another MYSELF is allowed.
        profiles.update(self.id, validInput(relation = ProfileRelation.FAMILY_MEMBER))
        profiles.add(validInput(relation = ProfileRelation.MYSELF, fullName = "Người Khác", phone = "0987654321", citizenId = null))
        assertEquals(2, profiles.list().size)
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidInputs")
    fun `invalid input gives InvalidField naming the field`(case: String, field: ProfileField, input: ProfileInput) {
        val e = assertThrows<ProfileException.InvalidField> { runBlocking { profiles.add(input) } }
        assertEquals(field, e.field, "$case: ${e.reason}")
        assertTrue(e.reason.isNotBlank(), case)
        runBlocking { assertEquals(emptyList<Profile>(), profiles.list(), case) }
    }

    companion object {
        private val nextYear = LocalDate.now().year + 1

        @JvmStatic
        fun invalidInputs(): List<Arguments> = listOf(
            // Name
            Arguments.of("empty name", ProfileField.FULL_NAME, validInput(fullName = "")),
            Arguments.of("blank name", ProfileField.FULL_NAME, validInput(fullName = " \t ")),
            Arguments.of("name over 120 chars", ProfileField.FULL_NAME, validInput(fullName = "A".repeat(121))),
            // Phone
            Arguments.of("phone too short", ProfileField.PHONE, validInput(phone = "12345")),
            Arguments.of("phone with letters", ProfileField.PHONE, validInput(phone = "09123abc78")),
            Arguments.of("foreign phone", ProfileField.PHONE, validInput(phone = "+1 212 555 0100")),
            Arguments.of("no such prefix (01x)", ProfileField.PHONE, validInput(phone = "0112345678")),
            Arguments.of("landline one digit short", ProfileField.PHONE, validInput(phone = "024 3825 123")),
            Arguments.of("national form without the 0", ProfileField.PHONE, validInput(phone = "912345678")),
            Arguments.of("phone one digit short", ProfileField.PHONE, validInput(phone = "091234567")),
            Arguments.of("phone one digit long", ProfileField.PHONE, validInput(phone = "09123456789")),
            // Citizen id
            Arguments.of("citizen id of 5 digits", ProfileField.CITIZEN_ID, validInput(citizenId = "12345")),
            Arguments.of("citizen id of 10 digits", ProfileField.CITIZEN_ID, validInput(citizenId = "0010900123")),
            Arguments.of("citizen id with letters", ProfileField.CITIZEN_ID, validInput(citizenId = "00109001234A")),
            Arguments.of("CCCD year differs from birth year", ProfileField.CITIZEN_ID,
                validInput(birth = birth(1991, 5, 17), citizenId = "001090012345")),
            Arguments.of("CCCD century differs from birth year", ProfileField.CITIZEN_ID,
                validInput(birth = birth(1990, 5, 17), citizenId = "001290012345")),
            // Birth date
            Arguments.of("birth year before 1900", ProfileField.BIRTH_DATE,
                validInput(birth = birth(1899), citizenId = null)),
            Arguments.of("birth year in the future", ProfileField.BIRTH_DATE,
                validInput(birth = birth(nextYear), citizenId = null)),
            Arguments.of("month 13", ProfileField.BIRTH_DATE, validInput(birth = birth(1990, 13))),
            Arguments.of("month 0", ProfileField.BIRTH_DATE, validInput(birth = birth(1990, 0))),
            Arguments.of("day without month", ProfileField.BIRTH_DATE, validInput(birth = birth(1990, null, 5))),
            Arguments.of("29 February of a common year", ProfileField.BIRTH_DATE, validInput(birth = birth(1990, 2, 29))),
            Arguments.of("31 April", ProfileField.BIRTH_DATE, validInput(birth = birth(1990, 4, 31))),
            Arguments.of("day 0", ProfileField.BIRTH_DATE, validInput(birth = birth(1990, 4, 0))),
            // Address
            Arguments.of("province of 1 digit", ProfileField.ADDRESS, validInput(address = Address("1", null, null))),
            Arguments.of("province with letters", ProfileField.ADDRESS, validInput(address = Address("HN", null, null))),
            Arguments.of("ward of 4 digits", ProfileField.ADDRESS, validInput(address = Address("01", "0004", null))),
            Arguments.of("ward of 6 digits", ProfileField.ADDRESS, validInput(address = Address("01", "000040", null))),
        )
    }
}

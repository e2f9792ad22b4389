package org.healthbook.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.healthbook.core.PlatformKeyStore
import org.healthbook.core.PlatformKeyStoreException

/**
 * [PlatformKeyStore] backed by the Android Keystore.
 *
 * The core's data keys (random 32-byte keys it generates) are never stored in clear: each one is wrapped
 * (AES-256-GCM) with a non-exportable key that lives in AndroidKeyStore (hardware-backed where the device
 * has it), and only the wrapped blob `iv || ciphertext+tag` is kept, in a private SharedPreferences file.
 * The core alias is bound into the GCM associated data, so a blob copied to another alias fails to unwrap.
 *
 * Every failure is reported as [PlatformKeyStoreException.Unavailable]; the core turns it into
 * `OpenException.KeyStore`.
 */
class AndroidKeyStorePlatformKeyStore(
    context: Context,
    private val wrappingAlias: String = "org.healthbook.wrapping-key.v1",
) : PlatformKeyStore {
    private val prefs = context.applicationContext.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    override fun loadKey(alias: String): ByteArray? = guard("load") {
        val stored = prefs.getString(prefKey(alias), null) ?: return@guard null
        val blob = Base64.decode(stored, Base64.NO_WRAP)
        require(blob.size > IV_BYTES) { "wrapped key is truncated" }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        val wrapping = existingWrappingKey() ?: error("the wrapping key is gone from AndroidKeyStore")
        cipher.init(Cipher.DECRYPT_MODE, wrapping, GCMParameterSpec(TAG_BITS, blob, 0, IV_BYTES))
        cipher.updateAAD(alias.toByteArray(Charsets.UTF_8))
        cipher.doFinal(blob, IV_BYTES, blob.size - IV_BYTES)
    }

    override fun storeKey(alias: String, key: ByteArray) = guard("store") {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // AndroidKeyStore picks the IV itself (randomized encryption is enforced for this key).
        cipher.init(Cipher.ENCRYPT_MODE, existingWrappingKey() ?: createWrappingKey())
        cipher.updateAAD(alias.toByteArray(Charsets.UTF_8))
        val sealed = cipher.doFinal(key)
        val iv = cipher.iv
        check(iv.size == IV_BYTES) { "unexpected IV length ${iv.size}" }
        val blob = Base64.encodeToString(iv + sealed, Base64.NO_WRAP)
        // commit(), not apply(): the core must not go on until the key is durably stored.
        check(prefs.edit().putString(prefKey(alias), blob).commit()) { "could not write the wrapped key" }
    }

    private fun existingWrappingKey(): SecretKey? {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        return (keyStore.getEntry(wrappingAlias, null) as? KeyStore.SecretKeyEntry)?.secretKey
    }

    private fun createWrappingKey(): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
        generator.init(
            KeyGenParameterSpec.Builder(wrappingAlias, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .setRandomizedEncryptionRequired(true)
                .build(),
        )
        return generator.generateKey()
    }

    private fun prefKey(alias: String) = "wrapped:$alias"

    private inline fun <T> guard(operation: String, block: () -> T): T = try {
        block()
    } catch (e: PlatformKeyStoreException) {
        throw e
    } catch (e: Exception) {
        // No key material in the message: only the operation and the exception type/reason.
        throw PlatformKeyStoreException.Unavailable("$operation failed: ${e.javaClass.simpleName}: ${e.message}")
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val PREFS = "healthbook-keystore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128
    }
}

import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

val repoRoot = rootProject.projectDir.parentFile
val coreKotlin = rootProject.file("core-kotlin")
// cargo-ndk writes lib/<abi>/libhealthbook_ffi.so here; it is under build/, so never committed.
val rustJniLibs: File = layout.buildDirectory.dir("rustJniLibs").get().asFile
val rustAbis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val skipRust = providers.gradleProperty("healthbook.skipRust").map { it.toBoolean() }.getOrElse(false)
val rustProfile = providers.gradleProperty("healthbook.rustProfile").getOrElse("release")

android {
    namespace = "org.healthbook.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.healthbook.app"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        ndk { abiFilters += rustAbis }
    }

    buildTypes {
        release {
            isMinifyEnabled = false
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    sourceSets["main"].apply {
        // The wrapper (org.healthbook.core.wrapper) and the generated UniFFI bindings (org.healthbook.core).
        java.srcDir(coreKotlin.resolve("src/main/kotlin"))
        java.srcDir(coreKotlin.resolve("generated"))
        jniLibs.srcDir(rustJniLibs)
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildFeatures { compose = true }
}

kotlin {
    compilerOptions { jvmTarget.set(JvmTarget.JVM_17) }
}

dependencies {
    // JNA's Android flavour ships libjnidispatch.so for every ABI; the plain jar would not load on Android.
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")

    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.ui:ui")
    implementation("androidx.compose.material3:material3")
    implementation("androidx.compose.material:material-icons-core")
    implementation("androidx.compose.ui:ui-tooling-preview")
    debugImplementation("androidx.compose.ui:ui-tooling")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation("androidx.lifecycle:lifecycle-viewmodel-compose:2.8.7")
    implementation("androidx.lifecycle:lifecycle-runtime-compose:2.8.7")
}

// --- Rust: Kotlin bindings and the native library per ABI -----------------------------------------------

// Regenerates core-kotlin/generated from a host build of healthbook-ffi (same script as the JVM tests).
val genBindings by tasks.registering(Exec::class) {
    group = "rust"
    description = "Runs scripts/gen-bindings.sh (host cargo build + uniffi-bindgen)."
    workingDir = repoRoot
    commandLine("bash", repoRoot.resolve("scripts/gen-bindings.sh").absolutePath)
}

// Cross-compiles libhealthbook_ffi.so for every ABI with cargo-ndk (needs ANDROID_NDK_HOME and the rustup targets).
val cargoNdk by tasks.registering(Exec::class) {
    group = "rust"
    description = "Builds libhealthbook_ffi.so for $rustAbis into build/rustJniLibs with cargo-ndk."
    workingDir = repoRoot
    val cmd = mutableListOf("cargo", "ndk", "--platform", "26")
    rustAbis.forEach { cmd += listOf("-t", it) }
    cmd += listOf("-o", rustJniLibs.absolutePath, "build", "-p", "healthbook-ffi", "--lib")
    if (rustProfile == "release") cmd += "--release"
    commandLine(cmd)
}

if (!skipRust) {
    tasks.named("preBuild") { dependsOn(genBindings, cargoNdk) }
}

// The wrapper and the generated UniFFI bindings as an Android library, so that :app and :ui depend on it
// as a module (pom.xml builds the same sources on a plain JVM for the tests).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

val repoRoot = rootProject.projectDir.parentFile

android {
    namespace = "org.healthbook.core"
    compileSdk = 35
    defaultConfig { minSdk = 26 }
    sourceSets["main"].apply {
        java.srcDir("src/main/kotlin")
        java.srcDir("generated")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
        optIn.add("kotlin.ExperimentalUnsignedTypes")
    }
}

dependencies {
    // JNA's Android flavour ships libjnidispatch.so for every ABI; the plain jar would not load on Android.
    api("net.java.dev.jna:jna:5.17.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2")
}

// Regenerates generated/ from a host build of healthbook-ffi (same script as the JVM tests).
val genBindings by tasks.registering(Exec::class) {
    group = "rust"
    description = "Runs scripts/gen-bindings.sh (host cargo build + uniffi-bindgen)."
    workingDir = repoRoot
    commandLine("bash", repoRoot.resolve("scripts/gen-bindings.sh").absolutePath)
}

if (!providers.gradleProperty("healthbook.skipRust").map { it.toBoolean() }.getOrElse(false)) {
    tasks.named("preBuild") { dependsOn(genBindings) }
}

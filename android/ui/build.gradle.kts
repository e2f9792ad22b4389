// The screens as an Android library: the same sources pom.xml builds and tests on the desktop JVM with
// Compose Multiplatform, minus the desktop-only Skia QR decoder (the app brings a BitmapFactory one).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "org.healthbook.ui"
    compileSdk = 35
    defaultConfig { minSdk = 26 }
    sourceSets["main"].java.srcDir("src/main/kotlin")
    // The guides for the in-app help, copied from docs/guides (below) into the library's Java resources under
    // guides/, where org.healthbook.ui.help.Guides reads them; the same layout pom.xml gives the desktop build.
    sourceSets["main"].resources.srcDir(layout.buildDirectory.dir("generated/guides").get().asFile)
    buildFeatures { compose = true }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

val copyGuides by tasks.registering(Copy::class) {
    from(rootProject.file("../docs/guides"))
    into(layout.buildDirectory.dir("generated/guides/guides"))
}
tasks.named("preBuild") { dependsOn(copyGuides) }

kotlin {
    compilerOptions { jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17) }
    sourceSets["main"].kotlin.exclude("org/healthbook/ui/desktop/**")
}

dependencies {
    api(project(":core-kotlin"))
    api(platform("androidx.compose:compose-bom:2024.12.01"))
    api("androidx.compose.ui:ui")
    api("androidx.compose.material3:material3")
    implementation("androidx.compose.material:material-icons-core")
}

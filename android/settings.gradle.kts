// Android shell of Healthbook. Needs the Android SDK (and, to build the native library, the NDK and
// cargo-ndk): see android/README.md. The Kotlin bindings and wrapper live in core-kotlin/ and are compiled
// into :app as extra source directories (core-kotlin/pom.xml builds the same sources on a plain JVM for tests).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "healthbook-android"
include(":app")

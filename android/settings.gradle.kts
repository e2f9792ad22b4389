// Android shell of Healthbook. Needs the Android SDK (and, to build the native library, the NDK and
// cargo-ndk): see android/README.md. Modules: :core-kotlin (bindings + wrapper: repositories, view models),
// :ui (the screens), :app (activity, platform services, navigation). pom.xml builds core-kotlin and ui on a
// plain JVM for the tests.
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
include(":app", ":core-kotlin", ":ui")

package io.visionlake.udfs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.platform.commons.annotation.Testable;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The three kinds of test ({@link UnitTest}, {@link IntegrationTest}, {@link ClusterTest}) and the
 * check that every test class is exactly one of them: an untagged class would silently drop out of
 * {@code scripts/test --fast} and out of any {@code --tags} selection.
 */
public final class TestTags {
  public static final String UNIT = "unit";
  public static final String INTEGRATION = "integration";
  public static final String CLUSTER = "cluster";
  static final Set<String> KINDS = Set.of(UNIT, INTEGRATION, CLUSTER);

  private TestTags() {
  }

  /** The compiled test classes next to {@code anchor} (its module's target/test-classes). */
  public static List<Class<?>> testClassesBesides(Class<?> anchor) {
    try {
      Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      return testClassesIn(root, anchor.getClassLoader());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the test classes of " + anchor.getName(), e);
    }
  }

  /**
   * Classes under {@code root} that JUnit would run: concrete, with at least one {@code @Test}-like
   * method (own or inherited). Member classes count only when {@code @Nested} in a class that runs;
   * Surefire never runs the others on their own.
   */
  public static List<Class<?>> testClassesIn(Path root, ClassLoader loader) {
    List<String> names;
    try (Stream<Path> files = Files.walk(root)) {
      names = files.map(root::relativize).map(Path::toString).filter(n -> n.endsWith(".class"))
          .filter(n -> !n.endsWith("module-info.class") && !n.endsWith("package-info.class"))
          .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
          .sorted().collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root, e);
    }
    List<Class<?>> tests = new ArrayList<>();
    for (String name : names) {
      Class<?> c;
      try {
        c = Class.forName(name, false, loader);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(name + " is in " + root + " but not on the test classpath", e);
      }
      if (runnable(c) && !testMethods(c).isEmpty()) {
        tests.add(c);
      }
    }
    return tests;
  }

  private static boolean runnable(Class<?> c) {
    if (c.isInterface() || c.isAnnotation() || Modifier.isAbstract(c.getModifiers()) || c.isAnonymousClass() || c.isLocalClass()) {
      return false;
    }
    return !c.isMemberClass() || AnnotationSupport.isAnnotated(c, Nested.class) && runnable(c.getEnclosingClass());
  }

  /** One line per class that does not carry exactly one kind, or that tags single methods with one. */
  public static List<String> problems(Collection<Class<?>> testClasses) {
    List<String> problems = new ArrayList<>();
    for (Class<?> c : testClasses) {
      Set<String> kinds = kinds(c);
      if (kinds.isEmpty()) {
        problems.add(c.getName() + " has no test kind: annotate the class with @UnitTest, @IntegrationTest or @ClusterTest"
            + " (io.visionlake.udfs.testing)");
      } else if (kinds.size() > 1) {
        problems.add(c.getName() + " has several test kinds " + kinds + ": keep exactly one");
      }
      for (Method m : testMethods(c)) {
        Set<String> own = tagNames(AnnotationSupport.findRepeatableAnnotations(m, Tag.class));
        own.retainAll(KINDS);
        if (!own.isEmpty()) {
          problems.add(c.getName() + "." + m.getName() + " tags the method " + own
              + ": the kind belongs on the class (move the method to a class of that kind)");
        }
      }
    }
    return problems;
  }

  /** The kinds on a class: its own, meta-present and inherited tags, plus its enclosing classes' for @Nested. */
  static Set<String> kinds(Class<?> c) {
    Set<String> tags = new TreeSet<>();
    for (Class<?> k = c; k != null; k = AnnotationSupport.isAnnotated(k, Nested.class) ? k.getEnclosingClass() : null) {
      tags.addAll(tagNames(AnnotationSupport.findRepeatableAnnotations(k, Tag.class)));
    }
    tags.retainAll(KINDS);
    return tags;
  }

  private static Set<String> tagNames(List<Tag> tags) {
    return tags.stream().map(Tag::value).collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<Method> testMethods(Class<?> c) {
    return ReflectionSupport.findMethods(c, m -> AnnotationSupport.isAnnotated(m, Testable.class), HierarchyTraversalMode.TOP_DOWN);
  }
}

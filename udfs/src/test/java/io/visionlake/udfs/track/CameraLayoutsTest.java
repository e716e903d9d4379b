package io.visionlake.udfs.track;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.visionlake.udfs.testing.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UnitTest
class CameraLayoutsTest {

  @TempDir
  Path tmp;

  @Test
  void parsesLinesAndZonesPerCameraWithDotsInCameraIds() throws Exception {
    Path file = tmp.resolve("layout.properties");
    Files.writeString(file, """
        # entrance camera
        cam1.line.door = 100, 400, 500, 400
        cam1.zone.queue = 0,0, 200,0, 200,300, 0,300
        lobby.cam2.zone.desk = 10.5,10,60,10,60,80
        """);
    Map<String, CameraLayout> layouts = CameraLayouts.parse(file);
    assertThat(layouts).containsOnlyKeys("cam1", "lobby.cam2");
    assertThat(layouts.get("cam1").lines()).containsExactly(Map.entry("door", new CountLine("door", 100, 400, 500, 400)));
    assertThat(layouts.get("cam1").zones().get("queue"))
        .isEqualTo(new Zone("queue", new double[] {0, 200, 200, 0}, new double[] {0, 0, 300, 300}));
    assertThat(layouts.get("lobby.cam2").zones().get("desk").contains(50, 40)).isTrue();
    assertThat(layouts.get("lobby.cam2").zones().get("desk").contains(20, 40)).as("left of the slanted edge").isFalse();
    assertThat(layouts.get("lobby.cam2").lines()).isEmpty();
  }

  @Test
  void errorsNameTheFileTheKeyWhatIsWrongAndWhatToWrite() throws Exception {
    List<String[]> cases = List.of(
        new String[] {"cam1.zone.q=0,0,10,10", "key 'cam1.zone.q' a zone needs at least 3 points", "cam1.zone.q=x1,y1,x2,y2,x3,y3[,...]"},
        new String[] {"cam1.zone.q=0,0,10,10,5", "got 5 number(s)", "x1,y1,x2,y2,x3,y3"},
        new String[] {"cam1.line.door=0,0,ten,10", "key 'cam1.line.door' value 3 'ten' is not a number", "comma-separated pixel coordinates"},
        new String[] {"cam1.line.door=0,0,10", "a line needs exactly 4 numbers, got 3", "cam1.line.door=x1,y1,x2,y2"},
        new String[] {"cam1.line.door=5,5,5,5", "both end points are", "two distinct points"},
        new String[] {"cam1.lines.door=0,0,10,10", "unknown kind 'lines'", "cam1.line.door=x1,y1,x2,y2 or cam1.zone.door="},
        new String[] {"door=0,0,10,10", "key 'door' is not <camera>.line.<name>", "cam1.line.door=100,400,500,400"},
        new String[] {"cam1.line=0,0,10,10", "key 'cam1.line' is not <camera>.line.<name>", "write"},
        new String[] {"cam1.line.door=", "has no value", "write"});
    for (String[] c : cases) {
      Path file = tmp.resolve("bad.properties");
      Files.writeString(file, c[0] + "\n");
      assertThatThrownBy(() -> CameraLayouts.parse(file)).as(c[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Camera layout " + file)
          .hasMessageContaining(c[1]).hasMessageContaining(c[2]);
    }
  }

  @Test
  void aMissingFileIsNamed() {
    Path missing = tmp.resolve("nope.properties");
    assertThatThrownBy(() -> CameraLayouts.parse(missing))
        .hasMessageContaining("Camera layout file " + missing + " cannot be read");
  }

  @Test
  void propertiesWithoutAFileNameTheirSource() {
    Properties p = new Properties();
    p.setProperty("cam1.zone.q", "1,2");
    assertThatThrownBy(() -> CameraLayouts.parse(p, "spark.visionlake.tracker.layout"))
        .hasMessageStartingWith("Camera layout spark.visionlake.tracker.layout: key 'cam1.zone.q'");
  }
}

namespace SpikeFit.Training; internal static class AssemblyMarker { }

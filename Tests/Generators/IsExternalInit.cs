namespace System.Runtime.CompilerServices;

/// <summary>netstandard2.0 lacks this marker type, which the compiler needs for records and init accessors.</summary>
internal static class IsExternalInit { }

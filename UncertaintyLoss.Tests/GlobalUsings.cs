// The namespaces nearly every test file uses, once for the project (a file adds only what is particular to it).
global using System;
global using System.Collections.Generic;
global using System.Globalization;
global using System.Linq;
global using FsCheck;
global using FsCheck.Fluent;
global using NUnit.Framework;
global using TorchSharp;
global using UncertaintyLoss.Tests.Ops;
global using UncertaintyLoss.Tests.PropertyTesting;
global using UncertaintyLoss.Tests.Reference;
global using UncertaintyLoss.Tests.TestSupport;
global using static TorchSharp.torch;
global using Reduction = TorchSharp.torch.nn.Reduction;

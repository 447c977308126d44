#!/usr/bin/python3
"""Architecture-faithful random-weight models, for op coverage and benchmarks.

  python3 bench/make_random_models.py OUT_DIR

writes a checkpoint folder laid out like CHECKPOINTS_DIR:
  humanparsing/parsing_atr.onnx   SCHP (ResNet-101, PSP, edge, decoder, fusion), 18 classes, 512 x 512
  humanparsing/parsing_lip.onnx   the same network, 20 classes, 473 x 473
  openpose/ckpts/body_pose_model.pth and .onnx   the OpenPose body network,
                                  converted by tools/convert_openpose.py
About 270 MB per parsing model and 210 MB for the pose network; generated,
never committed. The weights are random: the outputs are meaningless, the
operations and their cost are those of the users' networks.

The network follows SCHP's networks/AugmentCE2P.py (InPlaceABNSync as batch
norm + leaky ReLU 0.01 in eval mode). Its adaptive average pooling (PSP bins
1, 2, 3, 6) is written as per-bin means with PyTorch's bin edges, because the
ONNX exporter refuses adaptive pooling when the bins do not divide the input
(32 x 32 features at 512), and the edge module's shared weights are copied per
use (see inline_shared_weights).
"""
import math
import os
import subprocess
import sys

import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def abn(channels):
    return nn.Sequential(nn.BatchNorm2d(channels), nn.LeakyReLU(0.01))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, dilation=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        residual = x if self.downsample is None else self.downsample(x)
        return F.relu(out + residual)


def adaptive_average(x, size):
    """nn.AdaptiveAvgPool2d(size) as explicit bins (static shapes at export)."""
    h, w = x.shape[2], x.shape[3]
    rows = []
    for i in range(size):
        y0, y1 = (i * h) // size, math.ceil((i + 1) * h / size)
        cells = []
        for j in range(size):
            x0, x1 = (j * w) // size, math.ceil((j + 1) * w / size)
            cells.append(x[:, :, y0:y1, x0:x1].mean(dim=(2, 3), keepdim=True))
        rows.append(torch.cat(cells, 3))
    return torch.cat(rows, 2)


class PSPModule(nn.Module):
    def __init__(self, features=2048, out_features=512, sizes=(1, 2, 3, 6)):
        super().__init__()
        self.sizes = sizes
        self.stages = nn.ModuleList([nn.Sequential(nn.Conv2d(features, out_features, 1, bias=False), abn(out_features))
                                     for _ in sizes])
        self.bottleneck = nn.Sequential(
            nn.Conv2d(features + len(sizes) * out_features, out_features, 3, padding=1, bias=False), abn(out_features))

    def forward(self, feats):
        h, w = feats.shape[2], feats.shape[3]
        priors = [F.interpolate(stage(adaptive_average(feats, size)), size=(h, w), mode="bilinear", align_corners=True)
                  for size, stage in zip(self.sizes, self.stages)] + [feats]
        return self.bottleneck(torch.cat(priors, 1))


class EdgeModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(256, 256, 1, bias=False), abn(256))
        self.conv2 = nn.Sequential(nn.Conv2d(512, 256, 1, bias=False), abn(256))
        self.conv3 = nn.Sequential(nn.Conv2d(1024, 256, 1, bias=False), abn(256))
        self.conv4 = nn.Conv2d(256, 2, 3, padding=1, bias=True)
        self.conv5 = nn.Conv2d(6, 2, 1, bias=True)

    def forward(self, x1, x2, x3):
        h, w = x1.shape[2], x1.shape[3]
        up = lambda t: F.interpolate(t, size=(h, w), mode="bilinear", align_corners=True)  # noqa: E731
        edge1_fea = self.conv1(x1)
        edge1 = self.conv4(edge1_fea)
        edge2_fea = self.conv2(x2)
        edge2 = self.conv4(edge2_fea)
        edge3_fea = self.conv3(x3)
        edge3 = self.conv4(edge3_fea)
        edge = self.conv5(torch.cat([edge1, up(edge2), up(edge3)], 1))
        return edge, torch.cat([edge1_fea, up(edge2_fea), up(edge3_fea)], 1)


class DecoderModule(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(512, 256, 1, bias=False), abn(256))
        self.conv2 = nn.Sequential(nn.Conv2d(256, 48, 1, bias=False), abn(48))
        self.conv3 = nn.Sequential(nn.Conv2d(304, 256, 1, bias=False), abn(256),
                                   nn.Conv2d(256, 256, 1, bias=False), abn(256))
        self.conv4 = nn.Conv2d(256, classes, 1, bias=True)

    def forward(self, xt, xl):
        h, w = xl.shape[2], xl.shape[3]
        xt = F.interpolate(self.conv1(xt), size=(h, w), mode="bilinear", align_corners=True)
        x = self.conv3(torch.cat([xt, self.conv2(xl)], 1))
        return self.conv4(x), x


class SCHP(nn.Module):
    def __init__(self, classes, layers=(3, 4, 23, 3)):
        super().__init__()
        self.inplanes = 128
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.Conv2d(64, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.Conv2d(64, 128, 3, 1, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        self.layer1 = self.make_layer(64, layers[0])
        self.layer2 = self.make_layer(128, layers[1], stride=2)
        self.layer3 = self.make_layer(256, layers[2], stride=2)
        self.layer4 = self.make_layer(512, layers[3], stride=1, dilation=2)
        self.context_encoding = PSPModule()
        self.edge = EdgeModule()
        self.decoder = DecoderModule(classes)
        self.fushion = nn.Sequential(nn.Conv2d(1024, 256, 1, bias=False), abn(256), nn.Dropout2d(0.1),
                                     nn.Conv2d(256, classes, 1, bias=True))

    def make_layer(self, planes, blocks, stride=1, dilation=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * 4, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes * 4))
        layers = [Bottleneck(self.inplanes, planes, stride, dilation, downsample)]
        self.inplanes = planes * 4
        layers += [Bottleneck(self.inplanes, planes, dilation=dilation) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.stem(x)
        x2 = self.layer1(x)
        x3 = self.layer2(x2)
        x4 = self.layer3(x3)
        x5 = self.layer4(x4)
        parsing_result, parsing_fea = self.decoder(self.context_encoding(x5), x2)
        edge_result, edge_fea = self.edge(x2, x3, x4)
        fusion_result = self.fushion(torch.cat([parsing_fea, edge_fea], 1))
        return parsing_result, fusion_result, edge_result


def inline_shared_weights(path):
    """The edge module uses conv4 three times; the exporter then emits Identity
    nodes over that initializer, which OpenCV 4.6 cannot import. Give each use
    its own copy of the weights instead (same values, same result)."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    initializers = {tensor.name: tensor for tensor in model.graph.initializer}
    kept = []
    for node in model.graph.node:
        if node.op_type == "Identity" and node.input[0] in initializers:
            copy = numpy_helper.from_array(numpy_helper.to_array(initializers[node.input[0]]), node.output[0])
            model.graph.initializer.append(copy)
        else:
            kept.append(node)
    del model.graph.node[:]
    model.graph.node.extend(kept)
    onnx.save(model, path)


def export_schp(classes, size, path):
    torch.manual_seed(classes)
    network = SCHP(classes).eval()
    with torch.no_grad():
        torch.onnx.export(network, torch.zeros(1, 3, size, size), path, input_names=["input.1"],
                          opset_version=11, do_constant_folding=True)
    inline_shared_weights(path)
    print(path)


def main():
    out = sys.argv[1]
    parsing = os.path.join(out, "humanparsing")
    ckpts = os.path.join(out, "openpose", "ckpts")
    os.makedirs(parsing, exist_ok=True)
    os.makedirs(ckpts, exist_ok=True)
    export_schp(18, 512, os.path.join(parsing, "parsing_atr.onnx"))
    export_schp(20, 473, os.path.join(parsing, "parsing_lip.onnx"))

    sys.path.insert(0, os.path.join(HERE, "..", "tools"))
    from convert_openpose import BodyPoseNetwork  # noqa: E402
    torch.manual_seed(3)
    pth = os.path.join(ckpts, "body_pose_model.pth")
    torch.save(BodyPoseNetwork().state_dict(), pth)
    subprocess.run([sys.executable, os.path.join(HERE, "..", "tools", "convert_openpose.py"), pth,
                    os.path.join(ckpts, "body_pose_model.onnx")], check=True)


if __name__ == "__main__":
    main()

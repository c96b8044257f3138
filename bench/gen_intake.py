#!/usr/bin/env python3
"""Writes N synthetic passed candidates as SPEC §5 JSON Lines (valid by every rule).

usage: gen_intake.py N [--photo PATH] [--seed S] [--exam-date YYYY-MM-DD] > intake.jsonl

Names mix common and rare characters (䶮 𠮷 堃 喆 赟 镕); ID numbers carry a correct
GB 11643 check character and a birth date that makes the holder 20-60 on the exam date.
All data is made up.
"""
import argparse, datetime, json, random

SURNAMES = "张王李赵陈刘杨黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武莫孔"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建国志强文博宇浩然子轩梓涵一诺欣怡堃喆赟镕䶮𠮷"
AREAS = ["440103", "440104", "440106", "440303", "440304", "440604", "441900", "440402"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def check_char(d17):
    return "10X98765432"[sum(int(c) * w for c, w in zip(d17, WEIGHTS)) % 11]


def id_number(rng, exam, male):
    age = rng.randint(20, 60)
    birth = exam - datetime.timedelta(days=365 * age + rng.randint(30, 300))
    seq = rng.randint(0, 99) * 10 + rng.randrange(1 if male else 0, 10, 2)
    d17 = "%s%s%03d" % (rng.choice(AREAS), birth.strftime("%Y%m%d"), seq)
    return d17 + check_char(d17)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--photo")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--exam-date", default="2026-10-15")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    exam = datetime.date.fromisoformat(a.exam_date)
    cities = [("01", "GD0101", "广州市建设职业培训学校"), ("03", "GD0301", "深圳市建筑业培训中心"),
              ("06", "GD0601", "佛山市建设职业技能培训学校"), ("19", "GD1901", "东莞市建设培训中心")]
    for i in range(a.n):
        male = rng.random() < 0.6
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
        city, code, inst = rng.choice(cities)
        rec = {"name": name, "gender": "男" if male else "女", "id_type": "111",
               "id_number": id_number(rng, exam, male), "position": "%02d" % rng.randint(1, 13),
               "institution_code": code, "institution_name": inst, "city": city,
               "exam_id": "T%s-%s-%05d" % (exam.strftime("%Y%m%d"), code, i // 200),
               "exam_date": exam.isoformat(), "score": round(rng.uniform(60, 100) * 2) / 2}
        if a.photo:
            rec["photo"] = a.photo
        print(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":
    main()

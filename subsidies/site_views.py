"""Applicant-site pages of the subsidies app (policies, 试算, applications) — being built."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def policy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "site/policy_list.html", {"families": []})


def my_applications(request: HttpRequest) -> HttpResponse:
    return render(request, "site/policy_list.html", {"families": []})
